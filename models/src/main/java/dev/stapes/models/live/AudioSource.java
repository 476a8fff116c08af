package dev.stapes.models.live;

import java.io.IOException;

/**
 * Where live audio comes from: a file ({@link FileSource}), a microphone ({@link
 * MicrophoneSource}). Mono float32 in [-1, 1] at {@link #sampleRate()}. One thread at a time.
 */
public interface AudioSource extends AutoCloseable {

  /** Sample rate in Hz. */
  int sampleRate();

  /** Total samples when known (a file), else -1. */
  long length();

  /**
   * Reads the next block into {@code dst[off..off+len)}: a file fills the whole block unless it
   * ends; a device returns what one read brought.
   *
   * @return the number of samples read, or -1 at the end
   */
  int read(float[] dst, int off, int len) throws IOException;

  @Override
  void close() throws IOException;
}
