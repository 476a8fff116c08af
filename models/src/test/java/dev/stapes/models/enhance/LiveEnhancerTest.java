package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stapes.audio.AudioFiles;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveEnhancerTest {

  @Test
  void blocksWrittenToAFileAfterAWarmUpEqualTheEnhancerOutput(@TempDir Path dir) throws Exception {
    float[] mix = TestData.readPcm16Mono(TestData.gtcrnDir().resolve("mix.wav"));
    float[] x = Arrays.copyOfRange(mix, 8000, 8000 + 12_345);
    float[] expected;
    try (GtcrnModel m = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions())) {
      expected = SpeechEnhancerTest.enhance(m, x, 512);
    }
    Path wav = dir.resolve("live.wav");
    int block = 512; // 32 ms
    try (LiveEnhancer live =
        LiveEnhancer.open(
            GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions()), block, null, wav)) {
      float[] silence = new float[block];
      for (int i = 0; i < 20; i++) {
        live.warmUp(silence, 0, block);
      }
      live.reset();
      for (int off = 0; off < x.length; off += block) {
        live.process(x, off, Math.min(block, x.length - off));
        live.emit();
      }
      live.finish();
      assertEquals(x.length, live.samplesOut());
      assertEquals(512, live.latencySamples());
    }
    assertArrayEquals(expected, AudioFiles.readMono(wav, 16000));
  }
}
