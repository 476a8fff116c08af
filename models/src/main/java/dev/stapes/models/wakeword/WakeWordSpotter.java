package dev.stapes.models.wakeword;

import java.util.ArrayList;
import java.util.List;

/**
 * Whole-clip wake-word spotting: runs a {@link WakeWordStream} over 16 kHz audio in 80 ms chunks (a
 * last partial chunk is dropped, as openWakeWord's {@code predict_clip} does) through a {@link
 * WakeWordDetector}.
 */
public final class WakeWordSpotter {

  /** Detections (time order) and the highest score of each keyword over the clip. */
  public record Result(List<WakeWordDetection> detections, float[] maxScores) {}

  private WakeWordSpotter() {}

  /** Spots the stream's keywords in {@code audio} (16 kHz mono); the stream is reset first. */
  public static Result spot(
      WakeWordStream stream, float[] audio, float threshold, double rearmSeconds) {
    List<String> keywords = stream.keywords();
    List<WakeWordDetection> detections = new ArrayList<>();
    int[] open = new int[keywords.size()];
    java.util.Arrays.fill(open, -1);
    long[] at = new long[keywords.size()];
    WakeWordDetector detector =
        new WakeWordDetector(
            keywords,
            threshold,
            rearmSeconds,
            new WakeWordDetector.Listener() {
              @Override
              public void detected(int k, long endSample, float score) {
                open[k] = detections.size();
                at[k] = endSample;
                detections.add(new WakeWordDetection(keywords.get(k), endSample / 16000.0, score));
              }

              @Override
              public void ended(int k, float peak) {
                if (open[k] >= 0) {
                  WakeWordDetection d = detections.get(open[k]);
                  detections.set(open[k], new WakeWordDetection(d.keyword(), d.time(), peak));
                  open[k] = -1;
                }
              }
            });
    float[] max = new float[keywords.size()];
    stream.reset();
    int chunk = WakeWordStream.CHUNK;
    for (int off = 0; off + chunk <= audio.length; off += chunk) {
      stream.process(audio, off);
      for (int k = 0; k < max.length; k++) {
        max[k] = Math.max(max[k], stream.score(k));
      }
      detector.accept(stream, off + chunk);
    }
    detector.finish();
    return new Result(detections, max);
  }
}
