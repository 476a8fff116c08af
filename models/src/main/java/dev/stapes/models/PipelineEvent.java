package dev.stapes.models;

/**
 * An event a {@link PipelineStream} reports ({@link PipelineSink#onEvent}): each pipeline's package
 * defines its records ({@code SpeechSegment}, {@code SpeechStart}, {@code WakeWordDetection},
 * {@code KeywordDetection}), and callers match on the type.
 */
public interface PipelineEvent {

  /** Where the event happened, in seconds from the start of the stream. */
  double timeSeconds();
}
