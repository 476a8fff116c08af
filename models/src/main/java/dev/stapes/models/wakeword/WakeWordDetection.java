package dev.stapes.models.wakeword;

import dev.stapes.models.PipelineEvent;

/**
 * A wake word heard, one per utterance: {@code keyword}, at {@code time} seconds (the end of the
 * chunk whose score first reached the threshold), with {@code score} the highest score of that
 * utterance. A stream reports it when the utterance ends: in the first chunk whose score falls back
 * below the threshold, or at {@code endOfInput()} for an utterance still above it. The {@link
 * WakeWordStart} of the same utterance came earlier, in the chunk that crossed.
 */
public record WakeWordDetection(String keyword, double time, float score) implements PipelineEvent {

  @Override
  public double timeSeconds() {
    return time;
  }
}
