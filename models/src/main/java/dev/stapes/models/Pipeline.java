package dev.stapes.models;

/**
 * A loaded pipeline (voice activity, wake words, keyword spotting, enhancement, features, ...): the
 * models it runs, loaded once, immutable and shared between threads. Each audio stream gets its own
 * {@link PipelineStream} from {@link #newStream(PipelineSink)}.
 *
 * <p>Open one by name with {@link Pipelines#open(String, PipelineConfig)}; every pipeline is one
 * package holding its model, its stream and its {@link PipelineProvider} (the catalog entry).
 *
 * <p>Lifecycle: {@link #close()} releases the models, is idempotent, and must come after every
 * stream is closed.
 */
public interface Pipeline extends AutoCloseable {

  /** A short name for reports: the provider's name, with its variant ({@code "wakeword:alexa"}). */
  String name();

  /** Sample rate of the audio the streams take, in Hz (mono float32 in [-1, 1]). */
  int sampleRate();

  /**
   * The pipeline's own chunk in samples: the hop its model runs at. {@link PipelineStream#push}
   * takes any number of samples; pushing exactly this many runs the model once per push.
   */
  int chunkSamples();

  /**
   * A new stream whose results go to {@code sink}, on the thread that pushes.
   *
   * @throws IllegalStateException if the pipeline is closed
   */
  PipelineStream newStream(PipelineSink sink);

  @Override
  void close();
}
