package dev.stapes.models.wakeword;

import dev.stapes.models.PipelineEvent;

/**
 * A wake word's score reached the threshold: {@code keyword}, at {@code time} seconds (the end of
 * the chunk that crossed), with {@code score} that chunk's score. A stream reports it at once, in
 * the chunk that crossed, so a live caller can react without waiting for the utterance to end; the
 * utterance's {@link WakeWordDetection} (same time, peak score) follows when the score falls back
 * below the threshold or the input ends. The wake-word counterpart of {@code SpeechStart}.
 */
public record WakeWordStart(String keyword, double time, float score) implements PipelineEvent {

  @Override
  public double timeSeconds() {
    return time;
  }
}
