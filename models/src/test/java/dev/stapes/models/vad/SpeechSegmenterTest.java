package dev.stapes.models.vad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpeechSegmenterTest {

  /**
   * The whole-clip algorithm, written plainly from the description of Silero's {@code
   * get_speech_timestamps} (no maximum segment length): first decide raw segments, then pad.
   */
  static List<long[]> offline(float[] p, int w, int rate, long total, SegmenterOptions o) {
    long minSil = (long) rate * o.minSilenceMs() / 1000;
    long minSpeech = (long) rate * o.minSpeechMs() / 1000;
    long pad = (long) rate * o.speechPadMs() / 1000;
    List<long[]> raw = new ArrayList<>();
    boolean on = false;
    long start = 0;
    long tempEnd = 0;
    for (int i = 0; i < p.length; i++) {
      long pos = (long) i * w;
      if (p[i] >= o.threshold() && tempEnd != 0) {
        tempEnd = 0;
      }
      if (p[i] >= o.threshold() && !on) {
        on = true;
        start = pos;
        continue;
      }
      if (p[i] < o.negThreshold() && on) {
        if (tempEnd == 0) {
          tempEnd = pos;
        }
        if (pos - tempEnd < minSil) {
          continue;
        }
        if (tempEnd - start > minSpeech) {
          raw.add(new long[] {start, tempEnd});
        }
        tempEnd = 0;
        on = false;
      }
    }
    if (on && total - start > minSpeech) {
      raw.add(new long[] {start, total});
    }
    List<long[]> out = new ArrayList<>();
    for (long[] r : raw) {
      out.add(r.clone());
    }
    for (int i = 0; i < out.size(); i++) {
      long[] s = out.get(i);
      if (i == 0) {
        s[0] = Math.max(0, s[0] - pad);
      }
      if (i != out.size() - 1) {
        long gap = raw.get(i + 1)[0] - raw.get(i)[1];
        if (gap < 2 * pad) {
          s[1] += gap / 2;
          out.get(i + 1)[0] = Math.max(0, out.get(i + 1)[0] - gap / 2);
        } else {
          s[1] = Math.min(total, s[1] + pad);
          out.get(i + 1)[0] = Math.max(0, out.get(i + 1)[0] - pad);
        }
      } else {
        s[1] = Math.min(total, s[1] + pad);
      }
    }
    return out;
  }

  /** Runs the streaming segmenter and checks the event protocol as it goes. */
  static List<long[]> streaming(float[] p, int w, int rate, long total, SegmenterOptions o) {
    List<long[]> out = new ArrayList<>();
    long[] open = {-1};
    SpeechSegmenter s =
        new SpeechSegmenter(
            o,
            rate,
            w,
            new SpeechSegmenter.Listener() {
              @Override
              public void speechStart(long startSample) {
                if (open[0] >= 0) {
                  // the previous segment must have ended before a new one starts
                  assertTrue(out.size() > 0 && out.get(out.size() - 1)[0] == open[0]);
                }
                open[0] = startSample;
              }

              @Override
              public void speechEnd(long startSample, long endSample) {
                assertEquals(open[0], startSample, "end reports the start it announced");
                out.add(new long[] {startSample, endSample});
              }
            });
    for (float x : p) {
      s.accept(x);
    }
    s.finish(total);
    return out;
  }

  static String show(List<long[]> segs) {
    StringBuilder sb = new StringBuilder();
    for (long[] s : segs) {
      sb.append('[').append(s[0]).append(", ").append(s[1]).append(") ");
    }
    return sb.toString();
  }

  @ParameterizedTest
  @CsvSource({
    "16000, 512, 100, 250, 30, 1",
    "8000, 256, 100, 250, 30, 2",
    "16000, 512, 0, 0, 200, 3",
    "16000, 512, 20, 50, 100, 4",
    "16000, 1, 1, 1, 1, 5",
    "16000, 7, 0, 3, 2, 6",
  })
  void streamingEqualsWholeClipForRandomProbabilities(
      int rate, int w, int minSil, int minSpeech, int pad, long seed) {
    SegmenterOptions o =
        SegmenterOptions.builder()
            .optMinSilenceMs(minSil)
            .optMinSpeechMs(minSpeech)
            .optSpeechPadMs(pad)
            .build();
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + rnd.nextInt(400);
      float[] p = new float[n];
      boolean speech = rnd.nextBoolean();
      for (int i = 0; i < n; i++) {
        if (rnd.nextInt(12) == 0) {
          speech = !speech;
        }
        p[i] = (float) (speech ? 0.3 + 0.7 * rnd.nextDouble() : 0.6 * rnd.nextDouble());
      }
      long total = (long) (n - 1) * w + 1 + rnd.nextInt(w);
      List<long[]> want = offline(p, w, rate, total, o);
      List<long[]> got = streaming(p, w, rate, total, o);
      assertEquals(show(want), show(got), "trial " + trial + " n=" + n);
    }
  }

  @Test
  void oneSpanOfSpeechGivesOnePaddedSegment() {
    // 16 kHz, 512-sample chunks: 10 silent, 20 speech, 10 silent
    float[] p = new float[40];
    for (int i = 10; i < 30; i++) {
      p[i] = 0.9f;
    }
    List<long[]> segs = streaming(p, 512, 16000, 40 * 512, SegmenterOptions.defaults());
    assertEquals(1, segs.size());
    assertEquals(10 * 512 - 480, segs.get(0)[0]);
    assertEquals(30 * 512 + 480, segs.get(0)[1]);
  }

  @Test
  void shortBlipIsDroppedAndHysteresisBridgesDips() {
    float[] p = new float[60];
    for (int i = 5; i < 10; i++) {
      p[i] = 0.9f; // 160 ms: too short
    }
    for (int i = 20; i < 50; i++) {
      p[i] = i == 30 || i == 31 ? 0.4f : 0.9f; // a dip above neg threshold 0.35
    }
    List<long[]> segs = streaming(p, 512, 16000, 60 * 512, SegmenterOptions.defaults());
    assertEquals(1, segs.size(), show(segs));
    assertEquals(20 * 512 - 480, segs.get(0)[0]);
  }

  @Test
  void speechToTheEndIsClosedAtTheTotalLength() {
    float[] p = new float[20];
    for (int i = 5; i < 20; i++) {
      p[i] = 0.8f;
    }
    List<long[]> segs = streaming(p, 512, 16000, 19 * 512 + 100, SegmenterOptions.defaults());
    assertEquals(1, segs.size());
    assertEquals(19 * 512 + 100, segs.get(0)[1]);
  }

  @Test
  void startIsReportedOnceTheSegmentIsCertain() {
    List<Long> starts = new ArrayList<>();
    SpeechSegmenter s =
        new SpeechSegmenter(
            SegmenterOptions.defaults(),
            16000,
            512,
            new SpeechSegmenter.Listener() {
              @Override
              public void speechStart(long startSample) {
                starts.add(startSample);
              }

              @Override
              public void speechEnd(long startSample, long endSample) {}
            });
    for (int i = 0; i < 8; i++) {
      s.accept(0.9f);
    }
    // 250 ms = 4000 samples; after chunk 7 the stream might end at sample 3585, too short
    assertEquals(List.of(), starts, "not yet certain after 8 chunks");
    s.accept(0.9f);
    assertEquals(List.of(0L), starts);
  }

  @Test
  void optionsNameTheBadValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SegmenterOptions.builder().optThreshold(1.5f));
    assertTrue(e.getMessage().startsWith("threshold=1.5"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> SegmenterOptions.builder().optMinSilenceMs(-1));
    assertTrue(e.getMessage().contains("minSilenceMs=-1 ms"), e.getMessage());
    assertEquals(0.35f, SegmenterOptions.defaults().negThreshold(), 1e-6f);
  }
}
