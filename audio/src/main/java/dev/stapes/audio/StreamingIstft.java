package dev.stapes.audio;

/**
 * A streaming inverse STFT by weighted overlap-add, with torch.istft semantics: each frame is
 * inverted ({@link RealFft#inverse}), multiplied by the synthesis window (the analysis window of
 * the {@link StftConfig}, centred in {@code nFft}), added at {@code i*hop}, and the sum divided by
 * the summed squared window. {@code istft(stft(x)) == x} up to float rounding wherever the summed
 * squared window is non-zero.
 *
 * <p>Protocol: {@link #push} one complex frame ({@code nFft/2 + 1} interleaved bins, the layout of
 * {@link StreamingStft}) and receive the {@code hop} samples that no later frame touches. With
 * {@code center}, the first {@code nFft/2} samples of the overlap-add (the padding) are dropped, so
 * the first pushes may return fewer than {@code hop} samples (for {@code nFft/2 == hop}, the first
 * push returns 0 and push {@code t} returns original samples {@code [(t-1)*hop, t*hop)}). {@link
 * #flush} returns the tail still held (without centre trimming at the end: the caller knows the
 * true length and keeps that many samples, like torch.istft's {@code length}).
 *
 * <p>Example (GTCRN: nFft 512, hop 256, sqrt periodic Hann, centre): per 256 input samples, one
 * {@link StreamingStft} frame in, one enhanced frame pushed here, 256 samples out, delayed by 256.
 *
 * <p>Cost model: nothing is allocated per frame. One thread at a time.
 */
public final class StreamingIstft {
  private final StftConfig config;
  private final RealFft fft;
  private final float[] window;
  private final float[] windowSq;
  private final float[] frame;
  private final float[] ola;
  private final float[] env;
  private final int nFft;
  private final int hop;
  private long toTrim;
  private long framesPushed;
  private boolean flushed;

  /**
   * @throws IllegalArgumentException if {@code hop > win}: frames would not overlap and the signal
   *     between windows could not be reconstructed
   */
  public StreamingIstft(StftConfig config) {
    if (config.hop() > config.win()) {
      throw new IllegalArgumentException(
          "hop="
              + config.hop()
              + " samples, expected <= win="
              + config.win()
              + " for an invertible overlap-add");
    }
    this.config = config;
    this.nFft = config.nFft();
    this.hop = config.hop();
    this.fft = new RealFft(nFft);
    this.window = config.paddedWindow();
    this.windowSq = new float[nFft];
    for (int i = 0; i < nFft; i++) {
      windowSq[i] = window[i] * window[i];
    }
    this.frame = new float[nFft];
    this.ola = new float[nFft + hop];
    this.env = new float[nFft + hop];
    this.toTrim = config.center() ? nFft / 2 : 0;
  }

  public StftConfig config() {
    return config;
  }

  /** Floats per input frame: {@code 2 * (nFft/2 + 1)}. */
  public int frameLength() {
    return 2 * fft.bins();
  }

  /** Samples returned per push in steady state. */
  public int hop() {
    return hop;
  }

  /** Number of frames pushed so far. */
  public long framesPushed() {
    return framesPushed;
  }

  /**
   * Adds one complex frame from {@code spectrum[specOff ..]} and writes the samples that became
   * final into {@code dst[dstOff ..]} (room for {@code hop} floats needed).
   *
   * @return the number of samples written: {@code hop}, or fewer while centre padding is dropped
   */
  public int push(float[] spectrum, int specOff, float[] dst, int dstOff) {
    if (flushed) {
      throw new IllegalStateException("StreamingIstft: push after flush");
    }
    if (spectrum == null || specOff < 0 || specOff > spectrum.length - frameLength()) {
      throw new IllegalArgumentException(
          "spectrum length="
              + (spectrum == null ? "null" : spectrum.length)
              + " specOff="
              + specOff
              + ", expected "
              + frameLength()
              + " floats (nFft/2+1 interleaved complex bins)");
    }
    if (dst == null || dstOff < 0 || dstOff > dst.length - hop) {
      throw new IllegalArgumentException(
          "dst length="
              + (dst == null ? "null" : dst.length)
              + " dstOff="
              + dstOff
              + ", expected room for hop="
              + hop
              + " samples");
    }
    fft.inverse(spectrum, specOff, frame, 0);
    for (int i = 0; i < nFft; i++) {
      ola[i] += frame[i] * window[i];
      env[i] += windowSq[i];
    }
    framesPushed++;
    int written = emit(hop, dst, dstOff);
    System.arraycopy(ola, hop, ola, 0, nFft);
    System.arraycopy(env, hop, env, 0, nFft);
    java.util.Arrays.fill(ola, nFft, nFft + hop, 0f);
    java.util.Arrays.fill(env, nFft, nFft + hop, 0f);
    return written;
  }

  /** {@link #push(float[], int, float[], int)} with offsets 0. */
  public int push(float[] spectrum, float[] dst) {
    return push(spectrum, 0, dst, 0);
  }

  /**
   * Writes the samples still held after the last frame ({@code nFft - hop} of overlap-add, minus
   * any centre padding not yet dropped) into {@code dst[dstOff ..]}; no push is accepted after.
   *
   * @return the number of samples written (0 when no frame was pushed or already flushed)
   */
  public int flush(float[] dst, int dstOff) {
    if (flushed || framesPushed == 0) {
      flushed = true;
      return 0;
    }
    int tail = nFft - hop;
    if (dst == null || dstOff < 0 || dstOff > dst.length - tail) {
      throw new IllegalArgumentException(
          "dst length="
              + (dst == null ? "null" : dst.length)
              + " dstOff="
              + dstOff
              + ", expected room for nFft-hop="
              + tail
              + " samples");
    }
    flushed = true;
    return emit(tail, dst, dstOff);
  }

  private int emit(int count, float[] dst, int dstOff) {
    int skip = (int) Math.min(toTrim, count);
    toTrim -= skip;
    int w = 0;
    for (int i = skip; i < count; i++) {
      float e = env[i];
      dst[dstOff + w++] = e > 1e-11f ? ola[i] / e : 0f;
    }
    return w;
  }
}
