package dev.stapes.models.enhance;

import dev.stapes.audio.StreamingIstft;
import dev.stapes.audio.StreamingStft;
import dev.stapes.engine.Stream;
import java.nio.FloatBuffer;

/**
 * Streaming speech enhancement of one audio stream with GTCRN: the frontend's {@link
 * StreamingStft}, the model once per 16 ms hop through the engine's {@link Stream} (which carries
 * the three caches from one run to the next), and the frontend's {@link StreamingIstft} with
 * overlap-add.
 *
 * <p>Protocol: {@link #process} any number of times with chunks of any size (16 kHz mono float in
 * [-1, 1]), then {@link #finish} once; the enhanced samples come out in order, each exactly once,
 * and their concatenation is the same, bit for bit, whatever the chunking. After {@link #finish},
 * the total output equals the total input in length. {@link #reset} starts a new stream.
 *
 * <p>Timing: output sample {@code i} is final once the frame centred on the next hop boundary after
 * it has run, and that frame reaches half a window (256 samples) further ahead. With audio
 * delivered in 16 ms blocks, {@link #process} returns nothing for the first block and then exactly
 * one block per block: the whole path delays audio by {@link GtcrnDescriptor#LATENCY_SAMPLES}
 * samples (32 ms: one hop of buffering plus the window's 16 ms look-ahead), plus the compute time
 * of one hop.
 *
 * <p>Cost: after construction, {@link #process} and {@link #finish} allocate nothing in Stapes'
 * code (the input is fed to the STFT a hop at a time, so its frame store never grows); ONNX
 * Runtime's Java binding allocates about 0.6 kB per model run ({@code OrtSession.run} builds its
 * argument arrays and a result object). Not thread-safe: one thread at a time.
 */
public final class SpeechEnhancer implements AutoCloseable {

  private static final int HOP = GtcrnDescriptor.HOP;
  private static final int TAIL = 512; // input history kept for the end reflection (>= HOP + 1)

  private final GtcrnModel model;
  private final Stream stream;
  private StreamingStft stft;
  private StreamingIstft istft;
  private final float[] spec = new float[GtcrnDescriptor.FRAME_FLOATS];
  private final float[] enh = new float[GtcrnDescriptor.FRAME_FLOATS];
  private final float[] hopOut = new float[HOP];
  private final float[] tail = new float[TAIL];
  private final float[] pad = new float[HOP];

  private long received;
  private long emitted;
  private long framesRun;
  private boolean finished;
  private boolean closed;

  SpeechEnhancer(GtcrnModel model, Stream stream) {
    this.model = model;
    this.stream = stream;
    this.stft = new StreamingStft(GtcrnDescriptor.stft());
    this.istft = new StreamingIstft(GtcrnDescriptor.stft());
  }

  /** Algorithmic latency of the path in samples at 16 kHz (one hop plus the look-ahead): 512. */
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
      throw new IllegalArgumentException("len=" + len + " samples, expected >= 0");
    }
    long total = received + len;
    // frame t (t >= 1) is ready once samples up to t*HOP + HOP - 1 have arrived, and then
    // samples [(t-1)*HOP, t*HOP) are final
    long lastReady = total >= HOP + 1 ? total / HOP - 1 : -1;
    long firstEmitting = Math.max(framesRun, 1);
    return lastReady < firstEmitting ? 0 : (int) ((lastReady - firstEmitting + 1) * HOP);
  }

  /**
   * Feeds {@code len} samples of {@code in} from {@code off} and writes the enhanced samples that
   * became final to {@code out} from {@code outOff}.
   *
   * @return the number of samples written, exactly {@link #outputSize(int) outputSize(len)}
   * @throws IllegalArgumentException if a range is out of bounds or {@code out} has less room than
   *     {@link #outputSize(int)}
   * @throws IllegalStateException after {@link #finish} (call {@link #reset}) or {@link #close}, or
   *     when the model run fails
   */
  public int process(float[] in, int off, int len, float[] out, int outOff) {
    ensureOpen();
    if (finished) {
      throw new IllegalStateException("SpeechEnhancer is finished; call reset() to start again");
    }
    checkRange("in", in, off, len);
    checkRange("out", out, outOff, outputSize(len));
    int written = 0;
    int end = off + len;
    for (int pos = off; pos < end; ) {
      // a hop at a time, so that at most two frames wait in the STFT's store
      int take = Math.min(HOP, end - pos);
      remember(in, pos, take);
      stft.acceptWaveform(in, pos, take);
      pos += take;
      written += drain(out, outOff + written, Long.MAX_VALUE);
    }
    return written;
  }

  /**
   * The number of samples that {@link #finish} will write: the rest of the input, so that {@code
   * samplesOut() == samplesIn()} afterwards.
   */
  public int finishSize() {
    return (int) (received - emitted);
  }

  /**
   * Ends the stream and writes the remaining enhanced samples. Past the last sample, the signal is
   * extended as the authors' centred STFT extends it (reflection about the last sample), which
   * gives every frame that {@code torch.stft} computes exactly; one more frame, which {@code
   * torch.istft} would not need because it drops the last {@code n mod 256} samples, completes the
   * output to the input's length.
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
    if (received > 0) {
      // the reflection torch.stft pads with: x[n-1-k], k = 1..256 (zeros before the start)
      for (int k = 1; k <= HOP; k++) {
        long i = received - 1 - k;
        pad[k - 1] = i >= 0 ? tail[(int) (i % TAIL)] : 0f;
      }
      stft.acceptWaveform(pad, 0, HOP);
    }
    stft.inputFinished();
    return drain(out, outOff, received);
  }

  /** Starts a new stream: caches to zero, buffers cleared. Allocates the STFT state afresh. */
  public void reset() {
    ensureOpen();
    stream.reset();
    stft = new StreamingStft(GtcrnDescriptor.stft());
    istft = new StreamingIstft(GtcrnDescriptor.stft());
    received = 0;
    emitted = 0;
    framesRun = 0;
    finished = false;
  }

  private void remember(float[] in, int off, int len) {
    for (int i = 0; i < len; i++) {
      tail[(int) ((received + i) % TAIL)] = in[off + i];
    }
    received += len;
  }

  /** Runs every frame the STFT has ready; writes at most {@code limit - emitted} samples. */
  private int drain(float[] out, int outOff, long limit) {
    int written = 0;
    while (framesRun < stft.numFramesReady()) {
      stft.getFrame(framesRun, spec, 0);
      stft.pop(1);
      stream.process(spec, 0);
      FloatBuffer y = stream.outputFloats(GtcrnDescriptor.OUTPUT);
      for (int i = 0; i < enh.length; i++) {
        enh[i] = y.get(i);
      }
      framesRun++;
      int n = istft.push(enh, 0, hopOut, 0);
      int keep = (int) Math.min(n, limit - emitted);
      System.arraycopy(hopOut, 0, out, outOff + written, keep);
      written += keep;
      emitted += keep;
    }
    return written;
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

  /** Releases the buffers of this stream; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stream.close();
  }

  @Override
  public String toString() {
    return "SpeechEnhancer{model="
        + model.name()
        + ", samplesIn="
        + received
        + ", samplesOut="
        + emitted
        + ", hops="
        + framesRun
        + ", finished="
        + finished
        + ", closed="
        + closed
        + "}";
  }
}
