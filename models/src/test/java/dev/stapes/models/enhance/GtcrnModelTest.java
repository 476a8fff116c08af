package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.engine.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GtcrnModelTest {

  @Test
  void aCorruptModelIsRefusedWithOneLineNamingTheFile(@TempDir Path dir) throws Exception {
    byte[] good = Files.readAllBytes(TestData.modelFile());
    Path bad = dir.resolve("truncated.onnx");
    Files.write(bad, java.util.Arrays.copyOf(good, good.length / 3));
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class, () -> GtcrnModel.open(bad, GtcrnModel.defaultOptions()));
    assertTrue(e.getMessage().contains("truncated.onnx"), e.getMessage());

    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void aMissingFileIsRefused(@TempDir Path dir) {
    assertThrows(
        java.nio.file.NoSuchFileException.class,
        () -> GtcrnModel.open(dir.resolve("x"), GtcrnModel.defaultOptions()));
  }

  @Test
  void aModelWithOtherInputsIsRefusedWithTheNamesExpected() throws Exception {
    Path identity = resource("identity_x_y.onnx");
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class,
            () -> GtcrnModel.open(identity, GtcrnModel.defaultOptions()));
    assertTrue(e.getMessage().contains("inputs [x]"), e.getMessage());
    assertTrue(e.getMessage().contains("conv_cache"), e.getMessage());
  }

  @Test
  void aCacheShapeMismatchIsRefusedWithBothShapes() throws Exception {
    Path m = resource("gtcrn_short_conv_cache.onnx");
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class, () -> GtcrnModel.open(m, GtcrnModel.defaultOptions()));
    assertTrue(
        e.getMessage()
            .contains(
                "input 'conv_cache' has shape [2, 1, 16, 16, 32], expected [2, 1, 16, 16, 33]"),
        e.getMessage());
  }

  private static Path resource(String name) throws java.net.URISyntaxException {
    return Path.of(GtcrnModelTest.class.getResource(name).toURI());
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseIsRefused() throws Exception {
    GtcrnModel m = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions());
    m.close();
    m.close();
    assertThrows(IllegalStateException.class, m::newEnhancer);
    assertTrue(m.toString().contains("closed=true"));
  }
}
