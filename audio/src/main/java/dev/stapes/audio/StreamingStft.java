package dev.stapes.audio;

import dev.stapes.audio.internal.FrameComputer;
import dev.stapes.audio.internal.OnlineFrames;

/**
 * A streaming STFT: push samples in any chunking, read complex frames by absolute index.
 *
 * <p>Frames are identical (bit for bit) to {@link Stft#forward} on the whole signal, whatever the
 * chunking. A frame is available as soon as every sample it reads has arrived; with {@code center}
 * the last frames (those that reach past the end and need the reflection of the last samples)
 * become available at {@link #inputFinished()}. Frame {@code i} holds {@code nFft/2 + 1} complex
 * bins, interleaved {@code [re0, im0, re1, im1, ...]} (layout of {@link RealFft}).
 *
 * <p>Cost model: nothing is allocated per frame; computed frames are kept until {@link #pop} (the
 * store doubles when full). One thread at a time.
 */
public final class StreamingStft {
  private static final String NAME = "StreamingStft";
  private final StftConfig config;
  private final OnlineFrames frames;

  public StreamingStft(StftConfig config) {
    this(config, 16);
  }

  StreamingStft(StftConfig config, int initialFrames) {
    this.config = config;
    this.frames = new OnlineFrames(config.geometry(), new Computer(config), initialFrames);
  }

  public StftConfig config() {
    return config;
  }

  /** Floats per frame: {@code 2 * (nFft/2 + 1)}. */
  public int frameLength() {
    return frames.width();
  }

  /** Appends {@code x[off .. off+len)}; computes every frame that becomes ready. */
  public void acceptWaveform(float[] x, int off, int len) {
    frames.accept(x, off, len, NAME);
  }

  public void acceptWaveform(float[] x) {
    acceptWaveform(x, 0, x.length);
  }

  /** Declares the end of the signal; the last frames are computed. Idempotent. */
  public void inputFinished() {
    frames.inputFinished();
  }

  public boolean isInputFinished() {
    return frames.isInputFinished();
  }

  /** Absolute number of frames computed so far (popped ones included). */
  public long numFramesReady() {
    return frames.numFramesReady();
  }

  /** Index of the oldest frame not yet popped. */
  public long firstFrameAvailable() {
    return frames.firstFrameAvailable();
  }

  public long numSamplesAccepted() {
    return frames.numSamplesAccepted();
  }

  /** Copies frame {@code frameIndex} (absolute) into {@code dst[dstOff ..]}. */
  public void getFrame(long frameIndex, float[] dst, int dstOff) {
    frames.getFrame(frameIndex, dst, dstOff, NAME);
  }

  public void getFrame(long frameIndex, float[] dst) {
    getFrame(frameIndex, dst, 0);
  }

  /** Discards the {@code n} oldest available frames. */
  public void pop(long n) {
    frames.pop(n, NAME);
  }

  private static final class Computer implements FrameComputer {
    private final RealFft fft;
    private final float[] window;
    private final float[] frame;
    private final int offset;
    private final int win;

    Computer(StftConfig c) {
      fft = new RealFft(c.nFft());
      window = c.window().coefficients(c.win());
      frame = new float[c.nFft()];
      offset = (c.nFft() - c.win()) / 2;
      win = c.win();
    }

    @Override
    public int width() {
      return 2 * fft.bins();
    }

    @Override
    public void compute(long index, float[] span, float[] dst, int dstOff) {
      for (int j = 0; j < win; j++) {
        frame[offset + j] = span[j] * window[j];
      }
      fft.forward(frame, 0, dst, dstOff);
    }
  }
}
