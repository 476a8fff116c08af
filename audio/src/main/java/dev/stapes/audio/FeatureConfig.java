package dev.stapes.audio;

import dev.stapes.audio.internal.FrameGeometry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines a spectral feature: framing, window, spectrum, mel filterbank, log and
 * (optionally) MFCC. Immutable; build with {@link #builder()}, start from a named preset with
 * {@link #preset(String)} or {@link #presetBuilder(String)}.
 *
 * <p>Per frame: samples scaled by {@code inputScale} (32768 for Kaldi's int16 convention); with
 * {@code removeDc} the frame mean is subtracted; with {@code preemphasis} p, {@code x[j] -= p
 * x[j-1]} ({@code x[0] -= p x[0]}); multiplied by the window; FFT of {@code nFft}; {@code
 * |X|^power}; mel filterbank; {@code y = log(max(m + logOffset, logFloor))} for the chosen {@link
 * LogKind}; {@code y = y * outScale + outOffset}; if {@code topDb > 0}, floored at {@code max(y) -
 * topDb * outScale} with the maximum taken over the whole signal (offline; streaming: see {@link
 * OnlineFeature}); if {@code nMfcc > 0}, DCT-II (orthonormal) to {@code nMfcc} coefficients.
 *
 * <p>{@code nFft = 0} means automatic: the next power of two of {@code win} for {@link
 * Framing#KALDI}, else {@code win}. {@code win = 0} means {@code nFft}. {@code fmax <= 0} means
 * Nyquist plus {@code fmax} (Kaldi's convention).
 */
public final class FeatureConfig {
  /**
   * The largest FFT size, window length and hop accepted, in samples (4.1 s at 16 kHz): bounds the
   * memory of the filterbank and of the streaming buffers, so that a hostile value gets an error
   * rather than an {@link OutOfMemoryError}.
   */
  public static final int MAX_SAMPLES = 1 << 16;

  /** The largest number of mel filters accepted. */
  public static final int MAX_MELS = 1024;

  private final String name;
  private final int sampleRate;
  private final Framing framing;
  private final int requestedNFft;
  private final int nFft;
  private final int win;
  private final int hop;
  private final Window window;
  private final boolean snipEdges;
  private final boolean center;
  private final PadMode padMode;
  private final boolean dropLastFrame;
  private final float inputScale;
  private final boolean removeDc;
  private final float preemphasis;
  private final float power;
  private final int nMels;
  private final double fmin;
  private final double fmax;
  private final double requestedFmax; // as given: <= 0 stays relative to Nyquist

  private final MelScale melScale;
  private final MelNorm melNorm;
  private final LogKind logKind;
  private final float logFloor;
  private final float logOffset;
  private final float topDb;
  private final float outScale;
  private final float outOffset;
  private final int nMfcc;
  private final Precision precision;

  private FeatureConfig(Builder b) {
    name = b.name;
    sampleRate = b.sampleRate;
    framing = b.framing;
    requestedNFft = b.nFft;
    hop = b.hop;
    window = b.window;
    snipEdges = b.snipEdges;
    center = b.center;
    padMode = b.padMode;
    dropLastFrame = b.dropLastFrame;
    inputScale = b.inputScale;
    removeDc = b.removeDc;
    preemphasis = b.preemphasis;
    power = b.power;
    nMels = b.nMels;
    fmin = b.fmin;
    melScale = b.melScale;
    melNorm = b.melNorm;
    logKind = b.logKind;
    logFloor = b.logFloor;
    logOffset = b.logOffset;
    topDb = b.topDb;
    outScale = b.outScale;
    outOffset = b.outOffset;
    nMfcc = b.nMfcc;
    precision = b.precision;
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate=" + sampleRate + " Hz, expected > 0");
    }
    if (b.win < 0) {
      throw new IllegalArgumentException("win=" + b.win + " samples, expected >= 1 (or 0: nFft)");
    }
    if (b.nFft < 0) {
      throw new IllegalArgumentException("nFft=" + b.nFft + " samples, expected >= 2 (or 0: auto)");
    }
    if (b.nFft > MAX_SAMPLES || b.win > MAX_SAMPLES) {
      throw new IllegalArgumentException(
          (b.nFft > MAX_SAMPLES ? "nFft=" + b.nFft : "win=" + b.win)
              + " samples, expected at most "
              + MAX_SAMPLES);
    }
    if (b.nFft == 0 && b.win == 0) {
      throw new IllegalArgumentException("nFft=0 and win=0: set at least one of them");
    }
    int w = b.win == 0 ? b.nFft : b.win;
    int n = b.nFft;
    if (n == 0) {
      n =
          framing == Framing.KALDI
              ? Math.max(2, Integer.highestOneBit(Math.max(1, w - 1)) << 1)
              : w;
      if (framing != Framing.KALDI && (n & 1) != 0) {
        n++;
      }
    }
    win = w;
    nFft = n;
    if (nFft < 2 || (nFft & 1) != 0) {
      throw new IllegalArgumentException("nFft=" + nFft + " samples, expected an even number >= 2");
    }
    if (win > nFft) {
      throw new IllegalArgumentException(
          "win=" + win + " samples > nFft=" + nFft + ", expected win <= nFft");
    }
    if (hop < 1 || hop > MAX_SAMPLES) {
      throw new IllegalArgumentException(
          "hop=" + hop + " samples, expected 1.." + MAX_SAMPLES + " samples");
    }
    double nyquist = sampleRate / 2.0;
    if (Double.isNaN(b.fmax)) {
      throw new IllegalArgumentException(
          "fmax=NaN Hz, expected <= " + nyquist + " Hz (Nyquist of " + sampleRate + " Hz)");
    }
    requestedFmax = b.fmax;
    fmax = b.fmax <= 0 ? nyquist + b.fmax : b.fmax;
    if (fmax > nyquist) {
      throw new IllegalArgumentException(
          "fmax="
              + b.fmax
              + " Hz, expected <= "
              + nyquist
              + " Hz (Nyquist of "
              + sampleRate
              + " Hz)");
    }
    if (!(fmin >= 0) || !(fmin < fmax)) {
      throw new IllegalArgumentException(
          "fmin=" + fmin + " Hz, expected 0 <= fmin < fmax=" + fmax + " Hz");
    }
    if (nMels < 1 || nMels > MAX_MELS) {
      throw new IllegalArgumentException("nMels=" + nMels + ", expected 1.." + MAX_MELS);
    }
    if (nMfcc < 0 || nMfcc > nMels) {
      throw new IllegalArgumentException(
          "nMfcc=" + nMfcc + ", expected 0 (no MFCC) .. nMels=" + nMels);
    }
    if (!(power > 0)) {
      throw new IllegalArgumentException(
          "power=" + power + ", expected > 0 (1 magnitude, 2 power)");
    }
    if (!(inputScale > 0) || Float.isInfinite(inputScale)) {
      throw new IllegalArgumentException(
          "inputScale=" + inputScale + ", expected a finite value > 0");
    }
    if (!(preemphasis >= 0 && preemphasis <= 1)) {
      throw new IllegalArgumentException("preemphasis=" + preemphasis + ", expected 0..1");
    }
    if (!(topDb >= 0)) {
      throw new IllegalArgumentException("topDb=" + topDb + ", expected >= 0 (0: no floor)");
    }
    if (topDb > 0 && (logKind == LogKind.NONE || !(outScale > 0))) {
      throw new IllegalArgumentException(
          "topDb="
              + topDb
              + " needs a log (log="
              + logKind
              + ") and outScale > 0 ("
              + outScale
              + ")");
    }
    if (!(logFloor >= 0) || !(logOffset >= 0)) {
      throw new IllegalArgumentException(
          "logFloor=" + logFloor + " logOffset=" + logOffset + ", expected both >= 0");
    }
    if (logKind != LogKind.NONE && logFloor == 0 && logOffset == 0) {
      throw new IllegalArgumentException(
          "log="
              + logKind
              + " with logFloor=0 and logOffset=0 would give -infinity on silence;"
              + " set one of them > 0");
    }
    if (framing == Framing.TORCH && center && padMode == PadMode.SYMMETRIC) {
      throw new IllegalArgumentException(
          "padMode=symmetric, expected one of [reflect, zeros] for torch framing");
    }
    // build the filterbank once to validate it
    melFilterbank();
  }

  /** A builder with no preset (Kaldi-like framing defaults of torch framing: set what you need). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The named preset.
   *
   * @throws IllegalArgumentException for an unknown name, listing the valid ones
   */
  public static FeatureConfig preset(String name) {
    return presetBuilder(name).build();
  }

  /** A builder holding the named preset, for overrides. */
  public static Builder presetBuilder(String name) {
    return Presets.builder(name);
  }

  /** Names of all presets, in a stable order. */
  public static List<String> presetNames() {
    return Presets.names();
  }

  /**
   * A builder holding this configuration. Automatic values stay automatic: nFft 0 and an fmax given
   * relative to Nyquist ({@code <= 0}) follow a new sample rate.
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.sampleRate = sampleRate;
    b.framing = framing;
    b.nFft = requestedNFft;
    b.win = win;
    b.hop = hop;
    b.window = window;
    b.snipEdges = snipEdges;
    b.center = center;
    b.padMode = padMode;
    b.dropLastFrame = dropLastFrame;
    b.inputScale = inputScale;
    b.removeDc = removeDc;
    b.preemphasis = preemphasis;
    b.power = power;
    b.nMels = nMels;
    b.fmin = fmin;
    b.fmax = requestedFmax;
    b.melScale = melScale;
    b.melNorm = melNorm;
    b.logKind = logKind;
    b.logFloor = logFloor;
    b.logOffset = logOffset;
    b.topDb = topDb;
    b.outScale = outScale;
    b.outOffset = outOffset;
    b.nMfcc = nMfcc;
    b.precision = precision;
    return b;
  }

  /** Preset name this came from ("custom" if none). */
  public String name() {
    return name;
  }

  public int sampleRate() {
    return sampleRate;
  }

  public Framing framing() {
    return framing;
  }

  /** FFT size in samples (resolved). */
  public int nFft() {
    return nFft;
  }

  public int win() {
    return win;
  }

  public int hop() {
    return hop;
  }

  public Window window() {
    return window;
  }

  public boolean snipEdges() {
    return snipEdges;
  }

  public boolean center() {
    return center;
  }

  public PadMode padMode() {
    return padMode;
  }

  public boolean dropLastFrame() {
    return dropLastFrame;
  }

  public float inputScale() {
    return inputScale;
  }

  public boolean removeDc() {
    return removeDc;
  }

  public float preemphasis() {
    return preemphasis;
  }

  public float power() {
    return power;
  }

  public int nMels() {
    return nMels;
  }

  public double fmin() {
    return fmin;
  }

  /** Highest mel corner in Hz (resolved). */
  public double fmax() {
    return fmax;
  }

  public MelScale melScale() {
    return melScale;
  }

  public MelNorm melNorm() {
    return melNorm;
  }

  public LogKind logKind() {
    return logKind;
  }

  public float logFloor() {
    return logFloor;
  }

  public float logOffset() {
    return logOffset;
  }

  /** Floor below the global maximum, in log units before {@code outScale}; 0 means none. */
  public float topDb() {
    return topDb;
  }

  public float outScale() {
    return outScale;
  }

  public float outOffset() {
    return outOffset;
  }

  /** Number of MFCCs; 0 means the output is the (log-)mel spectrum. */
  public int nMfcc() {
    return nMfcc;
  }

  /** Arithmetic of the per-frame path. */
  public Precision precision() {
    return precision;
  }

  /** Values per output frame: {@code nMfcc} if set, else {@code nMels}. */
  public int numBins() {
    return nMfcc > 0 ? nMfcc : nMels;
  }

  /** Whether the output depends on a maximum over the whole signal ({@code topDb > 0}). */
  public boolean hasGlobalFloor() {
    return topDb > 0;
  }

  /** Number of frames {@code n} samples make (0 for none). */
  public long numFrames(long n) {
    return geometry().numFrames(n);
  }

  /** The mel filterbank of this configuration. */
  public MelFilterbank melFilterbank() {
    return MelFilterbank.create(melScale, melNorm, nMels, nFft, sampleRate, fmin, fmax);
  }

  /** Internal: the frame geometry. */
  FrameGeometry geometry() {
    return new FrameGeometry(
        nFft, win, hop, framing == Framing.KALDI, snipEdges, center, padMode, dropLastFrame);
  }

  @Override
  public String toString() {
    return "FeatureConfig{name="
        + name
        + ", sampleRate="
        + sampleRate
        + ", framing="
        + framing
        + ", nFft="
        + nFft
        + (requestedNFft == 0 ? " (auto)" : "")
        + ", win="
        + win
        + ", hop="
        + hop
        + ", window="
        + window
        + ", snipEdges="
        + snipEdges
        + ", center="
        + center
        + ", padMode="
        + padMode
        + ", dropLastFrame="
        + dropLastFrame
        + ", inputScale="
        + inputScale
        + ", removeDc="
        + removeDc
        + ", preemphasis="
        + preemphasis
        + ", power="
        + power
        + ", nMels="
        + nMels
        + ", fmin="
        + fmin
        + ", fmax="
        + fmax
        + ", melScale="
        + melScale
        + ", melNorm="
        + melNorm
        + ", log="
        + logKind
        + ", logFloor="
        + logFloor
        + ", logOffset="
        + logOffset
        + ", topDb="
        + topDb
        + ", outScale="
        + outScale
        + ", outOffset="
        + outOffset
        + ", nMfcc="
        + nMfcc
        + ", precision="
        + precision
        + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureConfig && toString().equals(o.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  /** Builder of {@link FeatureConfig}. Defaults: 16 kHz, torch framing, centre, reflect. */
  public static final class Builder {
    private String name = "custom";
    private int sampleRate = 16000;
    private Framing framing = Framing.TORCH;
    private int nFft = 512;
    private int win;
    private int hop = 160;
    private Window window = Window.HANN_PERIODIC;
    private boolean snipEdges = true;
    private boolean center = true;
    private PadMode padMode = PadMode.REFLECT;
    private boolean dropLastFrame;
    private float inputScale = 1f;
    private boolean removeDc;
    private float preemphasis;
    private float power = 2f;
    private int nMels = 80;
    private double fmin;
    private double fmax;
    private MelScale melScale = MelScale.HTK;
    private MelNorm melNorm = MelNorm.NONE;
    private LogKind logKind = LogKind.LN;
    private float logFloor = 1e-10f;
    private float logOffset;
    private float topDb;
    private float outScale = 1f;
    private float outOffset;
    private int nMfcc;
    private Precision precision = Precision.FLOAT32;

    Builder() {}

    public Builder name(String v) {
      name = Objects.requireNonNull(v, "name");
      return this;
    }

    public Builder sampleRate(int v) {
      sampleRate = v;
      return this;
    }

    public Builder framing(Framing v) {
      framing = Objects.requireNonNull(v, "framing");
      return this;
    }

    /** FFT size; 0 means automatic (see {@link FeatureConfig}). */
    public Builder nFft(int v) {
      nFft = v;
      return this;
    }

    /** Window length; 0 means {@code nFft}. */
    public Builder win(int v) {
      win = v;
      return this;
    }

    public Builder hop(int v) {
      hop = v;
      return this;
    }

    public Builder window(Window v) {
      window = Objects.requireNonNull(v, "window");
      return this;
    }

    /** Kaldi framing only: frames entirely inside the signal. */
    public Builder snipEdges(boolean v) {
      snipEdges = v;
      return this;
    }

    /** torch framing only: pad {@code nFft/2} on both sides. */
    public Builder center(boolean v) {
      center = v;
      return this;
    }

    public Builder padMode(PadMode v) {
      padMode = Objects.requireNonNull(v, "padMode");
      return this;
    }

    public Builder dropLastFrame(boolean v) {
      dropLastFrame = v;
      return this;
    }

    public Builder inputScale(float v) {
      inputScale = v;
      return this;
    }

    public Builder removeDc(boolean v) {
      removeDc = v;
      return this;
    }

    public Builder preemphasis(float v) {
      preemphasis = v;
      return this;
    }

    /** Exponent of the magnitude: 2 power spectrum, 1 magnitude. */
    public Builder power(float v) {
      power = v;
      return this;
    }

    public Builder nMels(int v) {
      nMels = v;
      return this;
    }

    public Builder fmin(double v) {
      fmin = v;
      return this;
    }

    /** Highest frequency in Hz; {@code <= 0} means Nyquist plus this value. */
    public Builder fmax(double v) {
      fmax = v;
      return this;
    }

    public Builder melScale(MelScale v) {
      melScale = Objects.requireNonNull(v, "melScale");
      return this;
    }

    public Builder melNorm(MelNorm v) {
      melNorm = Objects.requireNonNull(v, "melNorm");
      return this;
    }

    public Builder log(LogKind v) {
      logKind = Objects.requireNonNull(v, "log");
      return this;
    }

    public Builder logFloor(float v) {
      logFloor = v;
      return this;
    }

    public Builder logOffset(float v) {
      logOffset = v;
      return this;
    }

    public Builder topDb(float v) {
      topDb = v;
      return this;
    }

    public Builder outScale(float v) {
      outScale = v;
      return this;
    }

    public Builder outOffset(float v) {
      outOffset = v;
      return this;
    }

    public Builder nMfcc(int v) {
      nMfcc = v;
      return this;
    }

    public Builder precision(Precision v) {
      precision = Objects.requireNonNull(v, "precision");
      return this;
    }

    /** Sets one parameter from its text form. */
    @FunctionalInterface
    private interface Setter {
      Builder set(Builder b, String key, String value);
    }

    /** The setters by key: the one list, from which {@link #KEYS} is derived. */
    private static final Map<String, Setter> SETTERS = setters();

    private static Map<String, Setter> setters() {
      Map<String, Setter> s = new LinkedHashMap<>();
      s.put("sample-rate", (b, k, v) -> b.sampleRate(Integer.parseInt(v)));
      s.put("framing", (b, k, v) -> b.framing(Framing.parse(v)));
      s.put("n-fft", (b, k, v) -> b.nFft(Integer.parseInt(v)));
      s.put("win", (b, k, v) -> b.win(Integer.parseInt(v)));
      s.put("hop", (b, k, v) -> b.hop(Integer.parseInt(v)));
      s.put("window", (b, k, v) -> b.window(Window.parse(v)));
      s.put("snip-edges", (b, k, v) -> b.snipEdges(parseBool(k, v)));
      s.put("center", (b, k, v) -> b.center(parseBool(k, v)));
      s.put("pad-mode", (b, k, v) -> b.padMode(PadMode.parse(v)));
      s.put("drop-last-frame", (b, k, v) -> b.dropLastFrame(parseBool(k, v)));
      s.put("input-scale", (b, k, v) -> b.inputScale(Float.parseFloat(v)));
      s.put("remove-dc", (b, k, v) -> b.removeDc(parseBool(k, v)));
      s.put("preemphasis", (b, k, v) -> b.preemphasis(Float.parseFloat(v)));
      s.put("power", (b, k, v) -> b.power(Float.parseFloat(v)));
      s.put("n-mels", (b, k, v) -> b.nMels(Integer.parseInt(v)));
      s.put("fmin", (b, k, v) -> b.fmin(Double.parseDouble(v)));
      s.put("fmax", (b, k, v) -> b.fmax(Double.parseDouble(v)));
      s.put("mel-scale", (b, k, v) -> b.melScale(MelScale.parse(v)));
      s.put("mel-norm", (b, k, v) -> b.melNorm(MelNorm.parse(v)));
      s.put("log", (b, k, v) -> b.log(LogKind.parse(v)));
      s.put("log-floor", (b, k, v) -> b.logFloor(Float.parseFloat(v)));
      s.put("log-offset", (b, k, v) -> b.logOffset(Float.parseFloat(v)));
      s.put("top-db", (b, k, v) -> b.topDb(Float.parseFloat(v)));
      s.put("out-scale", (b, k, v) -> b.outScale(Float.parseFloat(v)));
      s.put("out-offset", (b, k, v) -> b.outOffset(Float.parseFloat(v)));
      s.put("n-mfcc", (b, k, v) -> b.nMfcc(Integer.parseInt(v)));
      s.put("precision", (b, k, v) -> b.precision(Precision.parse(v)));
      return Collections.unmodifiableMap(s);
    }

    /** Keys accepted by {@link #set(String, String)} ({@code centre} is also accepted). */
    public static final List<String> KEYS = List.copyOf(SETTERS.keySet());

    /**
     * Sets one parameter by name ({@code n-mels}, {@code n_mels} and {@code nMels} are the same)
     * from its text form, as the command line does.
     *
     * @throws IllegalArgumentException for an unknown key (listing the valid ones) or a bad value
     */
    public Builder set(String key, String value) {
      String k = normalise(key);
      String v = value.trim();
      Setter setter = SETTERS.get(k.equals("centre") ? "center" : k);
      if (setter == null) {
        throw new IllegalArgumentException(
            "unknown feature parameter '" + key + "', expected one of " + KEYS);
      }
      try {
        return setter.set(this, k, v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(k + "='" + value + "' is not a number", e);
      }
    }

    private static String normalise(String key) {
      StringBuilder sb = new StringBuilder();
      String s = key.trim();
      if (s.startsWith("--")) {
        s = s.substring(2);
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '_') {
          sb.append('-');
        } else if (Character.isUpperCase(c)) {
          sb.append('-').append(Character.toLowerCase(c));
        } else {
          sb.append(c);
        }
      }
      return sb.toString().toLowerCase(Locale.ROOT);
    }

    private static boolean parseBool(String k, String v) {
      switch (v.toLowerCase(Locale.ROOT)) {
        case "true":
        case "1":
        case "yes":
          return true;
        case "false":
        case "0":
        case "no":
          return false;
        default:
          throw new IllegalArgumentException(k + "='" + v + "', expected true or false");
      }
    }

    public FeatureConfig build() {
      return new FeatureConfig(this);
    }
  }
}
