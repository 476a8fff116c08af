package dev.stapes.bench.rt;

/**
 * One pipeline as the real-time harness drives it: fixed chunks of mono float audio in, work done,
 * nothing returned (results stay in buffers the pipeline owns).
 *
 * <p>Thread safety: one thread calls {@link #process(float[])}; {@link #close()} is idempotent.
 * Implementations must not allocate per chunk in steady state, or the harness reports it.
 */
public interface ChunkPipeline extends AutoCloseable {

  /** A short name for reports, e.g. {@code "vad"} or {@code "features:kaldi-fbank"}. */
  String name();

  /** Sample rate of the audio {@link #process(float[])} expects, in Hz. */
  int sampleRate();

  /** Samples per chunk; every call to {@link #process(float[])} gets exactly this many. */
  int chunkSamples();

  /**
   * Processes one chunk. The array is owned by the harness and overwritten after the call.
   *
   * @param chunk exactly {@link #chunkSamples()} samples in [-1, 1]
   */
  void process(float[] chunk);

  /**
   * A value derived from the results so far, so that the JIT cannot discard the work; also a cheap
   * sanity check for tests.
   */
  double checksum();

  @Override
  void close();
}
