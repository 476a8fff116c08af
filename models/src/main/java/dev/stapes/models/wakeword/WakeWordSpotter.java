package dev.stapes.models.wakeword;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineEvent;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whole-clip wake-word spotting: the {@link WakeWordPipeline}'s stream over 16 kHz audio (a last
 * partial chunk is dropped, as openWakeWord's {@code predict_clip} does), its {@link
 * WakeWordDetection}s collected in time order and each keyword's highest score taken from its
 * per-chunk scores.
 */
public final class WakeWordSpotter {

  /** Detections (time order) and the highest score of each keyword over the clip. */
  public record Result(List<WakeWordDetection> detections, float[] maxScores) {}

  private WakeWordSpotter() {}

  /**
   * Spots the stream's keywords in {@code audio} (16 kHz mono); the stream is reset first and stays
   * open.
   *
   * @throws IllegalStateException if a model failed to run (the cause says why)
   */
  public static Result spot(
      WakeWordStream stream, float[] audio, float threshold, double rearmSeconds) {
    Collector c = new Collector(stream.keywords());
    stream.reset();
    try (PipelineStream s = WakeWordPipeline.over(stream, threshold, rearmSeconds, c)) {
      s.push(audio, 0, audio.length);
      s.endOfInput();
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    return c.result();
  }

  /**
   * A sink that gathers a wake-word stream's whole-clip result: every {@link WakeWordDetection} and
   * each keyword's highest per-chunk score. For callers that drive the stream themselves.
   */
  public static final class Collector implements PipelineSink {
    private final List<String> keywords;
    private final List<WakeWordDetection> detections = new ArrayList<>();
    private final float[] max;

    /** A collector for a stream over {@code keywords} (in the stream's order). */
    public Collector(List<String> keywords) {
      this.keywords = List.copyOf(keywords);
      this.max = new float[keywords.size()];
    }

    @Override
    public void onEvent(PipelineEvent event) {
      if (event instanceof WakeWordDetection d) {
        detections.add(d);
      }
    }

    @Override
    public void onFrame(long index, float[] frame, int length) {
      for (int k = 0; k < Math.min(length, max.length); k++) {
        max[k] = Math.max(max[k], frame[k]);
      }
    }

    /**
     * What was collected: detections in the order of their time (then of the keyword), since a
     * stream reports each when its utterance ends.
     */
    public Result result() {
      List<WakeWordDetection> sorted = new ArrayList<>(detections);
      sorted.sort(
          Comparator.comparingDouble(WakeWordDetection::time)
              .thenComparingInt(d -> keywords.indexOf(d.keyword())));
      return new Result(List.copyOf(sorted), max.clone());
    }
  }
}
