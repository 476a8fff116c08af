package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StftTest {

  static float[] noise(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextDouble() * 2 - 1) * 0.9f;
    }
    return x;
  }

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of(
            StftConfig.builder()
                .nFft(512)
                .hop(256)
                .window(Window.SQRT_HANN_PERIODIC)
                .center(true)
                .build()),
        Arguments.of(StftConfig.builder().nFft(400).hop(160).build()),
        Arguments.of(StftConfig.builder().nFft(512).win(400).hop(160).build()),
        Arguments.of(
            StftConfig.builder().nFft(512).hop(128).center(true).padMode(PadMode.ZEROS).build()),
        Arguments.of(StftConfig.builder().nFft(256).hop(64).center(false).build()),
        Arguments.of(
            StftConfig.builder().nFft(30).win(21).hop(7).window(Window.HAMMING_PERIODIC).build()));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void inverseOfForwardReconstructsTheSignal(StftConfig c) {
    float[] x = noise(16000 + 37, 1);
    float[][] spec = Stft.forward(x, c);
    float[] y = Stft.inverse(spec, c, x.length);
    // without centre, the first and last nFft - hop samples are not covered by a full overlap
    int from = c.center() ? 0 : c.nFft();
    int to = c.center() ? (int) ((spec.length - 1) * (long) c.hop()) : x.length - c.nFft();
    double maxErr = 0;
    for (int i = from; i < to; i++) {
      maxErr = Math.max(maxErr, Math.abs(x[i] - y[i]));
    }
    assertTrue(maxErr < 2e-6, c + " max error " + maxErr);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 160, 255, 256, 257, 1000, 4093})
  void streamingStftEqualsOfflineForAnyChunking(int chunk) {
    for (Arguments a : (Iterable<Arguments>) configs()::iterator) {
      StftConfig c = (StftConfig) a.get()[0];
      float[] x = noise(5000, chunk);
      float[][] off = Stft.forward(x, c);
      StreamingStft s = new StreamingStft(c);
      float[] got = new float[s.frameLength()];
      int frame = 0;
      for (int p = 0; p < x.length; p += chunk) {
        s.acceptWaveform(x, p, Math.min(chunk, x.length - p));
        for (; frame < s.numFramesReady(); frame++) {
          s.getFrame(frame, got);
          assertArrayEquals(off[frame], got, c + " frame " + frame);
          s.pop(1);
        }
      }
      s.inputFinished();
      for (; frame < s.numFramesReady(); frame++) {
        s.getFrame(frame, got);
        assertArrayEquals(off[frame], got, c + " frame " + frame);
      }
      assertEquals(off.length, frame);
    }
  }

  @Test
  void streamingIstftGivesHopSamplesPerFrameAfterTheCentrePadding() {
    StftConfig c =
        StftConfig.builder().nFft(512).hop(256).window(Window.SQRT_HANN_PERIODIC).build();
    float[] x = noise(256 * 40, 3);
    StreamingStft stft = new StreamingStft(c);
    StreamingIstft istft = new StreamingIstft(c);
    float[] frame = new float[stft.frameLength()];
    float[] out = new float[256];
    float[] y = new float[x.length + 512];
    int pos = 0;
    long f = 0;
    for (int p = 0; p < x.length; p += 256) {
      stft.acceptWaveform(x, p, 256);
      for (; f < stft.numFramesReady(); f++) {
        stft.getFrame(f, frame);
        int n = istft.push(frame, out);
        assertEquals(f == 0 ? 0 : 256, n, "frame " + f);
        System.arraycopy(out, 0, y, pos, n);
        pos += n;
      }
    }
    for (int i = 0; i < pos; i++) {
      assertEquals(x[i], y[i], 2e-6, "sample " + i);
    }
  }

  @Test
  void badStftParametersGiveClearMessages() {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> StftConfig.builder().nFft(256).win(400).build())
            .getMessage()
            .contains("win=400"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> StftConfig.builder().nFft(256).hop(-1).build())
            .getMessage()
            .contains("hop=-1"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> new StreamingIstft(StftConfig.builder().nFft(256).win(100).hop(200).build()))
            .getMessage()
            .contains("hop=200"));
  }
}
