package dev.stapes.models.wakeword;

/**
 * The mel spectrogram stage of the openWakeWord pipeline, per stream: 1280 samples in, the new mel
 * frames out, in the units of openWakeWord's {@code melspectrogram.onnx} ({@code 10 log10} of the
 * power mel spectrum, floored 80 dB below the maximum of the call's 8 frames). Frames are 512
 * samples every 160; after {@code n} samples, {@code floor((n - 512) / 160) + 1} frames exist, so
 * the first chunk yields 5 frames and every later one 8.
 *
 * <p>Implementations allocate nothing per chunk. One thread at a time.
 */
public interface MelFrontend extends AutoCloseable {

  /** Mel bins per frame. */
  int BINS = 32;

  /**
   * Takes 1280 samples (float in [-1, 1]) from {@code offset}, writes the new frames to {@code dst}
   * (frame-major, {@link #BINS} values each) and returns how many there are (5 or 8).
   */
  int process(float[] samples, int offset, float[] dst);

  /** Back to the start of a stream. */
  void reset();

  /** Releases native resources; idempotent. */
  @Override
  void close();
}
