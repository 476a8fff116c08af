package dev.stapes.models.enhance;

import ai.onnxruntime.OrtException;
import dev.stapes.models.enhance.internal.OrtFrameRunner;
import dev.stapes.models.enhance.internal.SpectralFrames;
import java.nio.FloatBuffer;

/**
 * Streaming speech enhancement of one audio stream with GTCRN: a streaming STFT, the model once per
 * 16 ms hop with its caches carried, a streaming inverse STFT with overlap-add.
 *
 * <p>Protocol: {@link #process} any number of times with chunks of any size (16 kHz mono float in
 * [-1, 1]), then {@link #finish} once; the enhanced samples come out in order, each exactly once,
 * and their concatenation is the same whatever the chunking. After {@link #finish}, the total
 * output equals the total input in length. {@link #reset} starts a new stream.
 *
 * <p>Timing: an output sample is final once the input has reached {@value GtcrnDescriptor#HOP} to
 * {@code 2 * HOP - 1} samples beyond it (the frame centred one hop later reaches half a window
 * further); with audio delivered in 16 ms blocks, the block that arrives now leaves one block
 * later, so the whole path delays audio by {@link GtcrnDescriptor#LATENCY_SAMPLES} samples (32 ms:
 * one hop of buffering plus the window's look-ahead), plus the compute time of one hop.
 *
 * <p>Cost: after construction, {@link #process} and {@link #finish} allocate nothing on the Java
 * side of the model call; ONNX Runtime's Java binding allocates a few small objects per run (see
 * docs/enhance.md for the measured bytes per hop). Not thread-safe: one thread at a time.
 */
public final class SpeechEnhancer implements AutoCloseable {

  private static final int HOP = GtcrnDescriptor.HOP;
  private static final int N_FFT = GtcrnDescriptor.N_FFT;
  private static final int RING = 1024;
  private static final int MASK = RING - 1;

  private final GtcrnModel model;
  private final OrtFrameRunner runner;
  private final SpectralFrames frames;
  private final float[] ring = new float[RING];
  private final float[] frame = new float[N_FFT];
  private final float[] ola = new float[N_FFT];
  private final float[] mix;
  private final float[] enh;

  private long received;
  private long nextFrame;
  private long emitted;
  private long framesRun;
  private boolean finished;
  private boolean closed;

  SpeechEnhancer(GtcrnModel model) {
    this.model = model;
    try {
      this.runner = new OrtFrameRunner(model.env(), model.session());
    } catch (OrtException e) {
      throw new IllegalStateException(
          "cannot allocate the tensors of model '" + model.name() + "': " + e.getMessage(), e);
    }
    this.frames = new SpectralFrames(N_FFT, HOP);
    this.mix = new float[GtcrnDescriptor.BINS * 2];
    this.enh = new float[GtcrnDescriptor.BINS * 2];
  }

  /** Algorithmic latency of the path in samples at 16 kHz (one hop plus the look-ahead). */
  public int latencySamples() {
    return GtcrnDescriptor.LATENCY_SAMPLES;
  }

  /** Samples received so far. */
  public long samplesIn() {
    return received;
  }

  /** Enhanced samples handed out so far. */
  public long samplesOut() {
    return emitted;
  }

  /** Model runs (hops) so far. */
  public long hops() {
    return framesRun;
  }

  /**
   * The number of samples that {@link #process} will write when given {@code len} more samples now:
   * a multiple of the hop, at most {@code len + HOP}.
   */
  public int outputSize(int len) {
    if (len < 0) {
      throw new IllegalArgumentException("len=" + len + ", expected >= 0");
    }
    long total = received + len;
    long lastReady = total >= HOP + 1 ? total / HOP - 1 : -1; // last frame index ready
    long firstEmitting = Math.max(nextFrame, 1);
    return lastReady < firstEmitting ? 0 : (int) ((lastReady - firstEmitting + 1) * HOP);
  }

  /**
   * Feeds {@code len} samples of {@code in} from {@code off} and writes the enhanced samples that
   * became final to {@code out} from {@code outOff}.
   *
   * @return the number of samples written, exactly {@link #outputSize(int) outputSize(len)}
   * @throws IllegalArgumentException if a range is out of bounds or {@code out} has less room than
   *     {@link #outputSize(int)}
   * @throws IllegalStateException after {@link #finish} (call {@link #reset}) or {@link #close}
   */
  public int process(float[] in, int off, int len, float[] out, int outOff) {
    ensureOpen();
    if (finished) {
      throw new IllegalStateException("SpeechEnhancer is finished; call reset() to start again");
    }
    checkRange("in", in, off, len);
    int need = outputSize(len);
    checkRange("out", out, outOff, need);
    int written = 0;
    int pos = off;
    int end = off + len;
    while (pos < end) {
      long threshold = nextFrame == 0 ? HOP + 1 : nextFrame * HOP + HOP;
      int take = (int) Math.min(end - pos, threshold - received);
      for (int i = 0; i < take; i++) {
        ring[(int) ((received + i) & MASK)] = in[pos + i];
      }
      received += take;
      pos += take;
      if (received == threshold) {
        written += runFrame(out, outOff + written, Long.MAX_VALUE);
      }
    }
    return written;
  }

  /**
   * The number of samples that {@link #finish} will write now: the rest of the input, so that
   * {@code samplesOut() == samplesIn()} afterwards.
   */
  public int finishSize() {
    return (int) (received - emitted);
  }

  /**
   * Ends the stream: pads past the last sample as the authors' centred STFT does (reflection) and
   * writes the remaining enhanced samples.
   *
   * @return the number of samples written, exactly {@link #finishSize()}
   */
  public int finish(float[] out, int outOff) {
    ensureOpen();
    if (finished) {
      throw new IllegalStateException("SpeechEnhancer is finished; call reset() to start again");
    }
    int need = finishSize();
    checkRange("out", out, outOff, need);
    finished = true;
    int written = 0;
    while (emitted < received) {
      written += runFrame(out, outOff + written, received);
    }
    return written;
  }

  /** Starts a new stream: caches to zero, buffers cleared. */
  public void reset() {
    ensureOpen();
    runner.reset();
    java.util.Arrays.fill(ring, 0f);
    java.util.Arrays.fill(ola, 0f);
    received = 0;
    nextFrame = 0;
    emitted = 0;
    framesRun = 0;
    finished = false;
  }

  /**
   * Computes frame {@code nextFrame}, runs the model on it, overlap-adds the result and writes the
   * samples that became final (at most {@code limit - emitted} of them).
   */
  private int runFrame(float[] out, int outOff, long limit) {
    long t = nextFrame;
    long start = t * HOP - N_FFT / 2;
    long n = received;
    for (int j = 0; j < N_FFT; j++) {
      frame[j] = sample(start + j, n);
    }
    frames.analyse(frame, mix);
    FloatBuffer fin = runner.frameIn();
    for (int i = 0; i < mix.length; i++) {
      fin.put(i, mix[i]);
    }
    try {
      runner.run();
    } catch (OrtException e) {
      throw new IllegalStateException(
          "model '" + model.name() + "' failed at hop " + t + ": " + e.getMessage(), e);
    }
    FloatBuffer fout = runner.frameOut();
    for (int i = 0; i < enh.length; i++) {
      enh[i] = fout.get(i);
    }
    frames.synthesise(enh, frame);
    for (int j = 0; j < N_FFT; j++) {
      ola[j] += frame[j];
    }
    nextFrame = t + 1;
    framesRun++;
    int written = 0;
    if (t >= 1) {
      // samples [t*HOP - HOP, t*HOP) are final
      int count = (int) Math.min(HOP, limit - emitted);
      float[] norm = frames.envelopeInverse();
      for (int j = 0; j < count; j++) {
        out[outOff + j] = ola[j] * norm[j];
      }
      emitted += count;
      written = count;
    }
    System.arraycopy(ola, HOP, ola, 0, N_FFT - HOP);
    java.util.Arrays.fill(ola, N_FFT - HOP, N_FFT, 0f);
    return written;
  }

  /**
   * Sample {@code p} of the input extended as a centred STFT extends it: reflection about the first
   * sample on the left; after {@link #finish}, reflection about the last sample on the right for up
   * to half a window and zeros beyond. {@code n} is the number of samples known.
   */
  private float sample(long p, long n) {
    if (p < 0) {
      p = -p;
    }
    if (p < n) {
      return ring[(int) (p & MASK)];
    }
    if (!finished) {
      // only reached for a left reflection beyond the input of a stream shorter than HOP + 1,
      // which waits for finish(); never in steady state
      return 0f;
    }
    long beyond = p - (n - 1);
    if (beyond > N_FFT / 2) {
      return 0f;
    }
    long q = (n - 1) - beyond;
    return q >= 0 ? ring[(int) (q & MASK)] : 0f;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("SpeechEnhancer is closed");
    }
  }

  private static void checkRange(String name, float[] a, int off, int len) {
    if (a == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (off < 0 || len < 0 || off > a.length - len) {
      throw new IllegalArgumentException(
          name + ": offset=" + off + " length=" + len + " capacity=" + a.length);
    }
  }

  /** Releases the tensors of this stream; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    runner.close();
  }
}
