package dev.stapes.models;

import java.util.List;

/**
 * Where a {@link PipelineStream} delivers its results, on the thread that pushes, during {@link
 * PipelineStream#push} or {@link PipelineStream#endOfInput()}. Every method does nothing by
 * default, so a caller implements only what it reads.
 *
 * <p>Arrays handed to a sink belong to the stream and are valid only during the call.
 */
public interface PipelineSink {

  /** A sink that discards everything. */
  PipelineSink NONE = new PipelineSink() {};

  /**
   * A sink that adds every event of {@code type} to {@code out} and ignores the rest.
   *
   * @param <E> the event type
   */
  static <E extends PipelineEvent> PipelineSink collect(Class<E> type, List<? super E> out) {
    if (type == null || out == null) {
      throw new IllegalArgumentException("type and out must not be null");
    }
    return new PipelineSink() {
      @Override
      public void onEvent(PipelineEvent event) {
        if (type.isInstance(event)) {
          out.add(type.cast(event));
        }
      }
    };
  }

  /**
   * An event: a speech segment, a wake word, a keyword. Rare; the event object is allocated.
   *
   * @param event a {@link PipelineEvent} record of the pipeline's package
   */
  default void onEvent(PipelineEvent event) {}

  /**
   * One model chunk ran; {@code score} is its headline value (speech probability, the first
   * keyword's score; 0 where a pipeline has none). Allocation-free.
   *
   * @param endSample the sample count at the end of the chunk
   */
  default void onChunk(long endSample, float score) {}

  /** Audio out (enhancement): {@code length} samples at {@link Pipeline#sampleRate()}. */
  default void onAudio(float[] samples, int offset, int length) {}

  /**
   * A frame of values, number {@code index} from 0, in {@code frame[0..length)}: a feature frame
   * (features), or one chunk's scores, one per keyword (wakeword). Allocation-free.
   */
  default void onFrame(long index, float[] frame, int length) {}
}
