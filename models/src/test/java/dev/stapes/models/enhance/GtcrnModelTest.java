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
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> GtcrnModel.load(bad));
    assertTrue(e.getMessage().contains("truncated.onnx"), e.getMessage());

    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void aMissingFileIsRefused(@TempDir Path dir) {
    assertThrows(java.nio.file.NoSuchFileException.class, () -> GtcrnModel.load(dir.resolve("x")));
  }

  @Test
  void aModelWithOtherInputsIsRefusedWithTheNamesExpected() throws Exception {
    byte[] identity = resource("identity_x_y.onnx");
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> GtcrnModel.fromBytes(identity, "identity"));
    assertTrue(e.getMessage().contains("inputs [x]"), e.getMessage());
    assertTrue(e.getMessage().contains("conv_cache"), e.getMessage());
  }

  @Test
  void aCacheShapeMismatchIsRefusedWithBothShapes() throws Exception {
    byte[] m = resource("gtcrn_short_conv_cache.onnx");
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> GtcrnModel.fromBytes(m, "short.onnx"));
    assertTrue(
        e.getMessage()
            .contains(
                "input 'conv_cache' has shape [2, 1, 16, 16, 32], expected [2, 1, 16, 16, 33]"),
        e.getMessage());
  }

  private static byte[] resource(String name) throws java.io.IOException {
    try (java.io.InputStream in = GtcrnModelTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseIsRefused() throws Exception {
    GtcrnModel m = GtcrnModel.load(TestData.modelFile());
    m.close();
    m.close();
    assertThrows(IllegalStateException.class, m::newEnhancer);
    assertTrue(m.toString().contains("closed=true"));
  }
}
