package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stapes.audio.AudioFiles;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.live.AudioOut;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live enhancement path of {@code ./stapes run --enhance}: the enhance stream into AudioOut.
 */
class LiveEnhancementTest {

  @Test
  void blocksWrittenToAFileAfterAWarmUpEqualTheEnhancerOutput(@TempDir Path dir) throws Exception {
    float[] mix = TestData.readPcm16Mono(TestData.gtcrnDir().resolve("mix.wav"));
    float[] x = Arrays.copyOfRange(mix, 8000, 8000 + 12_345);
    Path wav = dir.resolve("live.wav");
    int block = 512; // 32 ms
    float[] expected;
    try (GtcrnModel m = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions())) {
      expected = SpeechEnhancerTest.enhance(m, x, 512);
      try (AudioOut out = AudioOut.open(GtcrnDescriptor.SAMPLE_RATE, block, null, wav);
          PipelineStream live = EnhancePipeline.stream(m, out)) {
        float[] silence = new float[block];
        out.mute(true);
        for (int i = 0; i < 20; i++) {
          live.push(silence, 0, block);
        }
        live.reset();
        out.mute(false);
        out.reset();
        for (int off = 0; off < x.length; off += block) {
          live.push(x, off, Math.min(block, x.length - off));
          out.emit();
        }
        live.endOfInput();
        out.emit();
        assertEquals(x.length, out.samplesOut());
        assertEquals(512, GtcrnDescriptor.LATENCY_SAMPLES);
      }
    }
    assertArrayEquals(expected, AudioFiles.readMono(wav, 16000));
  }
}
