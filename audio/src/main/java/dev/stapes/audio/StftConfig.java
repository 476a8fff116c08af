package dev.stapes.audio;

import dev.stapes.audio.internal.FrameGeometry;
import java.util.Objects;

/**
 * Settings of a short-time Fourier transform with torch.stft / torch.istft semantics: frames of
 * {@code nFft} samples every {@code hop} samples; a window of {@code win} samples centred in the
 * frame (zeros around it); with {@code center}, the signal is padded by {@code nFft/2} on both
 * sides ({@link PadMode#REFLECT} or {@link PadMode#ZEROS}) so that frame {@code i} is centred on
 * sample {@code i*hop}, giving {@code 1 + n/hop} frames; without it, {@code 1 + (n - nFft)/hop}
 * frames.
 *
 * <p>Immutable. Example, GTCRN's transform: {@code
 * StftConfig.builder().nFft(512).hop(256).window(Window.SQRT_HANN_PERIODIC).build()}.
 */
public final class StftConfig {
  private final int nFft;
  private final int hop;
  private final int win;
  private final Window window;
  private final boolean center;
  private final PadMode padMode;

  private StftConfig(Builder b) {
    this.nFft = b.nFft;
    this.win = b.win == 0 ? b.nFft : b.win;
    this.hop = b.hop == 0 ? this.win / 4 : b.hop;
    this.window = b.window;
    this.center = b.center;
    this.padMode = b.padMode;
    if (nFft < 2 || (nFft & 1) != 0) {
      throw new IllegalArgumentException("nFft=" + nFft + " samples, expected an even number >= 2");
    }
    if (win < 1 || win > nFft) {
      throw new IllegalArgumentException(
          "win=" + win + " samples, expected 1.." + nFft + " (at most nFft=" + nFft + ")");
    }
    if (hop < 1) {
      throw new IllegalArgumentException("hop=" + hop + " samples, expected >= 1");
    }
    if (padMode == PadMode.SYMMETRIC) {
      throw new IllegalArgumentException(
          "padMode=symmetric, expected one of [reflect, zeros] for an STFT");
    }
  }

  /** A builder with defaults nFft 512, win = nFft, hop = win/4, periodic Hann, centre, reflect. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration. */
  public Builder toBuilder() {
    return new Builder()
        .nFft(nFft)
        .win(win)
        .hop(hop)
        .window(window)
        .center(center)
        .padMode(padMode);
  }

  public int nFft() {
    return nFft;
  }

  public int hop() {
    return hop;
  }

  public int win() {
    return win;
  }

  public Window window() {
    return window;
  }

  public boolean center() {
    return center;
  }

  public PadMode padMode() {
    return padMode;
  }

  /** Number of complex bins per frame, {@code nFft/2 + 1}. */
  public int bins() {
    return nFft / 2 + 1;
  }

  /** Number of frames for {@code n} samples (0 for no samples). */
  public long numFrames(long n) {
    return geometry().numFrames(n);
  }

  /** The window, {@code nFft} long, zero outside the centred {@code win} samples. */
  public float[] paddedWindow() {
    float[] w = new float[nFft];
    System.arraycopy(window.coefficients(win), 0, w, (nFft - win) / 2, win);
    return w;
  }

  FrameGeometry geometry() {
    return new FrameGeometry(nFft, win, hop, false, false, center, padMode, false);
  }

  @Override
  public String toString() {
    return "StftConfig{nFft="
        + nFft
        + ", hop="
        + hop
        + ", win="
        + win
        + ", window="
        + window
        + ", center="
        + center
        + ", padMode="
        + padMode
        + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StftConfig && toString().equals(o.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  /** Builder of {@link StftConfig}; {@link #build()} validates. */
  public static final class Builder {
    private int nFft = 512;
    private int hop;
    private int win;
    private Window window = Window.HANN_PERIODIC;
    private boolean center = true;
    private PadMode padMode = PadMode.REFLECT;

    private Builder() {}

    /** FFT size in samples (even). */
    public Builder nFft(int v) {
      nFft = v;
      return this;
    }

    /** Hop in samples; 0 means {@code win/4} (torch's default). */
    public Builder hop(int v) {
      hop = v;
      return this;
    }

    /** Window length in samples ({@code <= nFft}); 0 means {@code nFft}. */
    public Builder win(int v) {
      win = v;
      return this;
    }

    public Builder window(Window v) {
      window = Objects.requireNonNull(v, "window");
      return this;
    }

    public Builder center(boolean v) {
      center = v;
      return this;
    }

    public Builder padMode(PadMode v) {
      padMode = Objects.requireNonNull(v, "padMode");
      return this;
    }

    public StftConfig build() {
      return new StftConfig(this);
    }
  }
}
