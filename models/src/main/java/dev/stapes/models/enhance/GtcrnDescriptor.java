package dev.stapes.models.enhance;

import dev.stapes.audio.PadMode;
import dev.stapes.audio.StftConfig;
import dev.stapes.audio.Window;
import dev.stapes.models.ModelCatalog;
import java.util.List;

/**
 * The streaming contract of GTCRN ({@code gtcrn_simple.onnx} from Xiaobin-Rong/gtcrn), which ships
 * without {@code stapes.*} metadata: one STFT frame in, one enhanced STFT frame out, three caches
 * carried from one run to the next. The engine's {@code StreamSpec} built from it is {@link
 * dev.stapes.models.ModelDescriptors#gtcrn()}.
 *
 * <p>Data conventions, taken from the authors' streaming script ({@code stream/gtcrn_stream.py}):
 *
 * <ul>
 *   <li>16 kHz mono float audio in [-1, 1];
 *   <li>STFT with n_fft = window = {@value #N_FFT} samples (32 ms), hop {@value #HOP} samples (16
 *       ms), window = square root of a periodic Hann window of {@value #N_FFT}, centred frames
 *       (frame {@code t} is centred on sample {@code t * HOP}) with reflect padding of {@code N_FFT
 *       / 2} at both ends, one-sided spectrum of {@value #BINS} bins, no normalisation;
 *   <li>model input {@code mix} [1, 257, 1, 2]: bin {@code k} at {@code [0, k, 0, 0]} (real) and
 *       {@code [0, k, 0, 1]} (imaginary), row-major, so element {@code 2k + c};
 *   <li>model output {@code enh}: the enhanced frame in the same layout;
 *   <li>inverse STFT with the same window, overlap-add normalised by the summed squared window
 *       (which is 1 for this window and hop), centre trimmed.
 * </ul>
 */
public final class GtcrnDescriptor {

  private GtcrnDescriptor() {}

  /** Store name of the model ({@link ModelCatalog#GTCRN}). */
  public static final String STORE_NAME = ModelCatalog.GTCRN;

  /** File name of the model in the store, the cache and the mirror folder. */
  public static final String FILE = "gtcrn_simple.onnx";

  /** Sample rate of the model, Hz. */
  public static final int SAMPLE_RATE = 16_000;

  /** FFT size and window length, samples. */
  public static final int N_FFT = 512;

  /** Hop between frames, samples (16 ms at 16 kHz). */
  public static final int HOP = 256;

  /** Frequency bins of one frame. */
  public static final int BINS = N_FFT / 2 + 1;

  /** Floats in one frame: {@code 2 * BINS}. */
  public static final int FRAME_FLOATS = 2 * BINS;

  /** Name of the frame input. */
  public static final String INPUT = "mix";

  /** Name of the enhanced-frame output. */
  public static final String OUTPUT = "enh";

  /**
   * Shape of {@link #INPUT} and {@link #OUTPUT}: [1, 257, 1, 2]. Shared array: do not modify;
   * {@link #frameShape()} returns a copy.
   */
  public static final long[] FRAME_SHAPE = {1, BINS, 1, 2};

  /** Shape of {@link #INPUT} and {@link #OUTPUT}: [1, 257, 1, 2] (a fresh copy). */
  public static long[] frameShape() {
    return new long[] {1, BINS, 1, 2};
  }

  /**
   * The carried caches: input name, output name of the previous run, shape; all start at zero.
   *
   * @param input the input name
   * @param output the output name whose value feeds {@code input} at the next run
   * @param shape the shape of both
   */
  public record StatePair(String input, String output, long[] shape) {
    /** Keeps its own copy of {@code shape}. */
    public StatePair {
      shape = shape.clone();
    }

    /** The shape (a copy). */
    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Number of float elements. */
    public int elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return (int) n;
    }
  }

  /** The three state pairs, in the model's input order. */
  public static final List<StatePair> STATES =
      List.of(
          new StatePair("conv_cache", "conv_cache_out", new long[] {2, 1, 16, 16, 33}),
          new StatePair("tra_cache", "tra_cache_out", new long[] {2, 3, 1, 1, 16}),
          new StatePair("inter_cache", "inter_cache_out", new long[] {2, 1, 33, 16}));

  /**
   * The authors' STFT: n_fft 512, window 512, hop 256, square root of a periodic Hann window,
   * centred with reflect padding.
   */
  public static StftConfig stft() {
    return StftConfig.builder()
        .nFft(N_FFT)
        .win(N_FFT)
        .hop(HOP)
        .window(Window.SQRT_HANN_PERIODIC)
        .center(true)
        .padMode(PadMode.REFLECT)
        .build();
  }

  /**
   * Algorithmic latency of the whole path in samples: one hop of input buffering plus the window's
   * look-ahead of {@code N_FFT - HOP} samples. An output sample is final once the frame centred one
   * hop after it has been computed, and that frame reaches {@code N_FFT / 2} samples further ahead.
   */
  public static final int LATENCY_SAMPLES = HOP + (N_FFT - HOP);
}
