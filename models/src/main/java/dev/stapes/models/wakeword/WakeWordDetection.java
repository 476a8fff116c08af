package dev.stapes.models.wakeword;

import dev.stapes.models.PipelineEvent;

/**
 * A wake word heard: {@code keyword}, at {@code time} seconds (the end of the chunk whose score
 * first reached the threshold), with {@code score} the highest score of that utterance.
 */
public record WakeWordDetection(String keyword, double time, float score) implements PipelineEvent {

  @Override
  public double timeSeconds() {
    return time;
  }
}
