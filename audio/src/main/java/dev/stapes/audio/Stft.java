package dev.stapes.audio;

/**
 * Whole-signal STFT and inverse STFT, built on {@link StreamingStft} and {@link StreamingIstft}.
 */
public final class Stft {
  private Stft() {}

  /** The complex frames of {@code x}: {@code [frames][2*(nFft/2+1)]}, interleaved re/im. */
  public static float[][] forward(float[] x, StftConfig config) {
    long n = config.numFrames(x.length);
    StreamingStft s = new StreamingStft(config, (int) Math.min(n + 1, Integer.MAX_VALUE / 2));
    s.acceptWaveform(x, 0, x.length);
    s.inputFinished();
    float[][] out = new float[(int) s.numFramesReady()][s.frameLength()];
    for (int i = 0; i < out.length; i++) {
      s.getFrame(i, out[i]);
    }
    return out;
  }

  /**
   * Overlap-add inverse of {@code frames}, {@code length} samples long (torch.istft with {@code
   * length}): cut or zero-padded to {@code length}.
   */
  public static float[] inverse(float[][] frames, StftConfig config, int length) {
    if (length < 0) {
      throw new IllegalArgumentException("length=" + length + " samples, expected >= 0");
    }
    StreamingIstft istft = new StreamingIstft(config);
    int hop = config.hop();
    float[] all = new float[frames.length * hop + config.nFft()];
    int pos = 0;
    for (float[] f : frames) {
      pos += istft.push(f, 0, all, pos);
    }
    pos += istft.flush(all, pos);
    float[] out = new float[length];
    System.arraycopy(all, 0, out, 0, Math.min(pos, length));
    return out;
  }
}
