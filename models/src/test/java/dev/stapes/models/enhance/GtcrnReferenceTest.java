package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GtcrnReferenceTest {

  @Test
  void outputMatchesTheAuthorsStreamingOutputOnTheirClip() throws Exception {
    Path dir = TestData.gtcrnDir();
    float[] mix = TestData.readPcm16Mono(dir.resolve("mix.wav"));
    float[] ref = TestData.readPcm16Mono(dir.resolve("enh_stream.wav"));
    float[] out;
    try (GtcrnModel model = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions());
        SpeechEnhancer e = model.newEnhancer()) {
      out = new float[mix.length];
      int n = e.process(mix, 0, mix.length, out, 0);
      n += e.finish(out, n);
      assertEquals(mix.length, n);
    }
    double max = 0;
    int at = -1;
    for (int i = 0; i < ref.length; i++) {
      double d = Math.abs(out[i] - ref[i]);
      if (d > max) {
        max = d;
        at = i;
      }
    }
    System.out.println("max abs diff vs enh_stream.wav: " + max + " at sample " + at);
    assertTrue(max <= 2e-3, "max abs diff " + max + " at sample " + at + ", expected <= 2e-3");
  }
}
