package dev.stapes.models;

/**
 * An event a {@link PipelineStream} reports ({@link PipelineSink#onEvent}): each pipeline's package
 * defines its records ({@code SpeechStart} and {@code SpeechSegment}, {@code WakeWordStart} and
 * {@code WakeWordDetection}, {@code KeywordDetection}), and callers match on the type. An event
 * that spans time comes in two: one at its start, reported at once, and one when it closes.
 */
public interface PipelineEvent {

  /** Where the event happened, in seconds from the start of the stream. */
  double timeSeconds();
}
