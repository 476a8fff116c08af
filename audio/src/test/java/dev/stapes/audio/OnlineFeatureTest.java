package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OnlineFeatureTest {

  static List<FeatureConfig> configs() {
    List<FeatureConfig> out = new ArrayList<>();
    for (String p : FeatureConfig.presetNames()) {
      out.add(FeatureConfig.preset(p));
    }
    out.add(FeatureConfig.presetBuilder("kaldi-fbank").snipEdges(false).build());
    out.add(FeatureConfig.presetBuilder("htk-mel").padMode(PadMode.ZEROS).build());
    out.add(FeatureConfig.presetBuilder("htk-mel").center(false).build());
    out.add(FeatureConfig.presetBuilder("kaldi-fbank").win(240).hop(400).build());
    out.add(FeatureConfig.presetBuilder("htk-mel").hop(512).win(300).power(1f).build());
    return out;
  }

  /** Chunkings: 1 sample, primes, a frame, powers of two, random splits. */
  static Stream<Arguments> chunkings() {
    List<Arguments> a = new ArrayList<>();
    for (String chunking : new String[] {"1", "2", "7", "13", "160", "401", "1024", "random"}) {
      for (FeatureConfig c : configs()) {
        a.add(Arguments.of(chunking, c));
      }
    }
    return a.stream();
  }

  static float[] signal(int n) {
    Random r = new Random(42);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.1 * r.nextGaussian());
    }
    // a stretch of digital silence so that floors bite
    for (int i = n / 3; i < n / 2; i++) {
      x[i] = 0f;
    }
    return x;
  }

  @ParameterizedTest(name = "chunk {0}: {1}")
  @MethodSource("chunkings")
  void streamingEqualsOfflineBitExactlyForAnyChunking(String chunking, FeatureConfig c) {
    for (int n : new int[] {0, 1, 5, 199, 200, 201, 399, 400, 401, 6007}) {
      float[] x = signal(n);
      FeatureMatrix off = FeatureExtractor.computeFlat(x, c);
      OnlineFeature f = new OnlineFeature(c, OnlineFeature.FloorMode.DEFERRED);
      Random r = new Random(n);
      float[] all = new float[(int) c.numFrames(n) * f.numBins()];
      float[] row = new float[f.numBins()];
      long frame = 0;
      int p = 0;
      while (p < n) {
        int len = chunking.equals("random") ? 1 + r.nextInt(700) : Integer.parseInt(chunking);
        len = Math.min(len, n - p);
        f.acceptWaveform(x, p, len);
        p += len;
        for (; frame < f.numFramesReady(); frame++) {
          f.getFrame(frame, row);
          System.arraycopy(row, 0, all, (int) frame * f.numBins(), f.numBins());
          f.pop(1);
        }
      }
      f.inputFinished();
      for (; frame < f.numFramesReady(); frame++) {
        f.getFrame(frame, row);
        System.arraycopy(row, 0, all, (int) frame * f.numBins(), f.numBins());
      }
      assertEquals(off.frames(), frame, "n=" + n + " frames");
      FeatureMatrix fin = FeatureExtractor.finish(all, (int) frame, c);
      assertArrayEquals(off.data(), fin.data(), "n=" + n + " " + c);
    }
  }

  @Test
  void runningFloorEqualsOfflineForConfigsWithoutAGlobalFloor() {
    FeatureConfig c = FeatureConfig.preset("htk-mel");
    float[] x = signal(5000);
    OnlineFeature f = new OnlineFeature(c);
    f.acceptWaveform(x);
    f.inputFinished();
    float[][] off = FeatureExtractor.compute(x, c);
    float[] row = new float[c.numBins()];
    for (int i = 0; i < off.length; i++) {
      f.getFrame(i, row);
      assertArrayEquals(off[i], row);
    }
  }

  @Test
  void framesAreAvailableAsSoonAsTheirSamplesArrive() {
    FeatureConfig c = FeatureConfig.preset("kaldi-fbank");
    OnlineFeature f = new OnlineFeature(c);
    f.acceptWaveform(new float[399]);
    assertEquals(0, f.numFramesReady());
    f.acceptWaveform(new float[1]);
    assertEquals(1, f.numFramesReady());
    f.acceptWaveform(new float[160]);
    assertEquals(2, f.numFramesReady());
    // centre/reflect, window 400 centred in 512: frame 0 reads samples [-200, 200) and its left
    // reflection mirrors samples 1..200, so it is ready at 201 samples
    OnlineFeature h = new OnlineFeature(FeatureConfig.preset("htk-mel"));
    h.acceptWaveform(new float[200]);
    assertEquals(0, h.numFramesReady());
    h.acceptWaveform(new float[1]);
    assertEquals(1, h.numFramesReady());
    h.inputFinished();
    assertEquals(2, h.numFramesReady()); // 1 + 201/160
  }

  @Test
  void misuseGivesClearMessages() {
    OnlineFeature f = new OnlineFeature(FeatureConfig.preset("whisper"));
    f.acceptWaveform(new float[4000]);
    float[] row = new float[80];
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> f.getFrame(1000, row));
    assertTrue(e.getMessage().contains("frameIndex=1000"), e.getMessage());
    f.pop(3);
    e = assertThrows(IllegalArgumentException.class, () -> f.getFrame(2, row));
    assertTrue(e.getMessage().contains("[3, "), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.getFrame(5, new float[10]));
    assertTrue(e.getMessage().contains("room for 80"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.acceptWaveform(row, 70, 20));
    assertTrue(e.getMessage().contains("off=70 len=20"), e.getMessage());
    f.inputFinished();
    assertThrows(IllegalStateException.class, () -> f.acceptWaveform(row));
  }
}
