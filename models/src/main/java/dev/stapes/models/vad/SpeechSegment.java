package dev.stapes.models.vad;

import dev.stapes.models.PipelineEvent;

/**
 * A span of speech, in samples at {@code sampleRate} from the start of the stream (start inclusive,
 * end exclusive).
 */
public record SpeechSegment(long startSample, long endSample, int sampleRate)
    implements PipelineEvent {

  public SpeechSegment {
    if (startSample < 0 || endSample < startSample || sampleRate <= 0) {
      throw new IllegalArgumentException(
          "startSample="
              + startSample
              + " endSample="
              + endSample
              + " sampleRate="
              + sampleRate
              + ", expected 0 <= start <= end and rate > 0");
    }
  }

  /** Start in seconds. */
  public double start() {
    return (double) startSample / sampleRate;
  }

  /** Start in seconds: where the segment's event belongs. */
  @Override
  public double timeSeconds() {
    return start();
  }

  /** End in seconds. */
  public double end() {
    return (double) endSample / sampleRate;
  }
}
