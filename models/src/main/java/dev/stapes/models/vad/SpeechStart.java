package dev.stapes.models.vad;

import dev.stapes.models.PipelineEvent;

/**
 * Speech began at {@code startSample} (padded as the segmenter pads; reported once the segment is
 * certain). Its {@link SpeechSegment} follows when the speech ends.
 */
public record SpeechStart(long startSample, int sampleRate) implements PipelineEvent {

  @Override
  public double timeSeconds() {
    return (double) startSample / sampleRate;
  }
}
