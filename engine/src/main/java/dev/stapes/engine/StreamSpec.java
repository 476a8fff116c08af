package dev.stapes.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How a model streams: the streaming contract of DESIGN.md. Immutable and shareable between
 * streams; build with {@link #builder()} (a descriptor per third-party model) or read it from a
 * model's {@code stapes.*} metadata with {@link #fromMetadata}.
 *
 * <ul>
 *   <li>{@code audioInput}: the float32 input that receives each chunk, prefixed with {@code
 *       contextSamples} samples carried from the end of the previous window;
 *   <li>{@code chunkSamples}: samples per {@link Stream#process} call;
 *   <li>{@code audioShape}: the audio tensor's shape (default: the declared shape with its last
 *       symbolic dimension set to context + chunk and the others to 1);
 *   <li>state pairs: input {@code in} receives output {@code out} of the previous run; the first
 *       run sees the initial value (zeros unless given);
 *   <li>constant inputs (e.g. Silero's {@code sr}), bound once per stream;
 *   <li>{@code scale}: {@link Scale#UNIT} feeds samples as given (float in [-1, 1]); {@link
 *       Scale#INT16} multiplies them by 32768 for models trained on int16-valued floats;
 *   <li>{@code outputs}: the outputs the caller reads (default: every output of the model).
 * </ul>
 *
 * <p>Metadata keys ({@code stapes.} prefix, all optional but {@code audio_input} and {@code
 * chunk_samples}): {@code audio_input}, {@code chunk_samples}, {@code context_samples}, {@code
 * audio_shape} ({@code "1,-1"}), {@code state} ({@code "state<-stateN,h<-hn"}), {@code scale}
 * ({@code unit} or {@code int16}), {@code outputs} ({@code "prob,logits"}), {@code sample_rate},
 * and {@code constant.NAME} = {@code "int64:16000"} or {@code "float32[2]:0.5,0.25"}.
 */
public final class StreamSpec {
  /** The amplitude scale a model expects its audio in. */
  public enum Scale {
    /** Float samples in [-1, 1], fed unchanged. */
    UNIT(1f),
    /** Int16-range floats: samples multiplied by 32768. */
    INT16(32768f);

    private final float factor;

    Scale(float factor) {
      this.factor = factor;
    }

    /** The factor applied to each sample. */
    public float factor() {
      return factor;
    }
  }

  /** A carried state: input {@code input} receives output {@code output} of the previous run. */
  public static final class StatePair {
    private final String input;
    private final String output;
    private final NpyArray initial;
    private final long[] shape;

    StatePair(String input, String output, NpyArray initial, long[] shape) {
      this.input = input;
      this.output = output;
      this.initial = initial;
      this.shape = shape == null ? null : shape.clone();
    }

    public String input() {
      return input;
    }

    public String output() {
      return output;
    }

    /** Initial value, or null for zeros. */
    public NpyArray initial() {
      return initial;
    }

    /** Shape of the state when zeros; null: the initial value's or the declared one. */
    public long[] shape() {
      return shape == null ? null : shape.clone();
    }

    @Override
    public String toString() {
      return input
          + "<-"
          + output
          + (initial != null ? " initial=" + initial : "")
          + (shape != null ? " shape=" + Arrays.toString(shape) : "");
    }
  }

  private final String audioInput;
  private final int chunkSamples;
  private final int contextSamples;
  private final long[] audioShape;
  private final List<StatePair> states;
  private final Map<String, NpyArray> constants;
  private final Scale scale;
  private final List<String> outputs;
  private final int sampleRate;

  private StreamSpec(Builder b) {
    this.audioInput = b.audioInput;
    this.chunkSamples = b.chunkSamples;
    this.contextSamples = b.contextSamples;
    this.audioShape = b.audioShape;
    this.states = Collections.unmodifiableList(new ArrayList<>(b.states));
    this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(b.constants));
    this.scale = b.scale;
    this.outputs = Collections.unmodifiableList(new ArrayList<>(b.outputs));
    this.sampleRate = b.sampleRate;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String audioInput() {
    return audioInput;
  }

  public int chunkSamples() {
    return chunkSamples;
  }

  public int contextSamples() {
    return contextSamples;
  }

  /** Samples in the audio tensor: context + chunk. */
  public int windowSamples() {
    return contextSamples + chunkSamples;
  }

  /** The audio tensor's shape, or null for the default (see the class comment). */
  public long[] audioShape() {
    return audioShape == null ? null : audioShape.clone();
  }

  public List<StatePair> states() {
    return states;
  }

  public Map<String, NpyArray> constants() {
    return constants;
  }

  public Scale scale() {
    return scale;
  }

  /** Outputs the caller reads; empty means every output. */
  public List<String> outputs() {
    return outputs;
  }

  /** Sample rate in Hz the model expects, or 0 when not declared. */
  public int sampleRate() {
    return sampleRate;
  }

  @Override
  public String toString() {
    return "StreamSpec[audioInput="
        + audioInput
        + ", chunkSamples="
        + chunkSamples
        + ", contextSamples="
        + contextSamples
        + ", audioShape="
        + (audioShape == null ? "default" : Arrays.toString(audioShape))
        + ", states="
        + states
        + ", constants="
        + constants
        + ", scale="
        + scale
        + ", outputs="
        + (outputs.isEmpty() ? "all" : outputs)
        + ", sampleRate="
        + sampleRate
        + "]";
  }

  /**
   * The spec declared by {@code stapes.*} keys in {@code metadata}, or null when there is no {@code
   * stapes.audio_input} key.
   *
   * @throws IllegalArgumentException naming the key and value when one is malformed
   */
  public static StreamSpec fromMetadata(Map<String, String> metadata) {
    String audio = metadata.get("stapes.audio_input");
    if (audio == null) {
      return null;
    }
    Builder b = builder().setAudioInput(audio);
    b.setChunkSamples(intKey(metadata, "stapes.chunk_samples", -1));
    b.optContextSamples(intKey(metadata, "stapes.context_samples", 0));
    b.optSampleRate(intKey(metadata, "stapes.sample_rate", 0));
    String shape = metadata.get("stapes.audio_shape");
    if (shape != null) {
      b.optAudioShape(longs("stapes.audio_shape", shape));
    }
    String scale = metadata.get("stapes.scale");
    if (scale != null) {
      try {
        b.optScale(Scale.valueOf(scale.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "stapes.scale=" + scale + ", expected one of [unit, int16]");
      }
    }
    String state = metadata.get("stapes.state");
    if (state != null && !state.isBlank()) {
      for (String pair : state.split(",")) {
        String[] io = pair.split("<-");
        if (io.length != 2 || io[0].isBlank() || io[1].isBlank()) {
          throw new IllegalArgumentException(
              "stapes.state=" + state + ", expected pairs like 'state<-stateN,h<-hn'");
        }
        b.addState(io[0].trim(), io[1].trim());
      }
    }
    String outs = metadata.get("stapes.outputs");
    if (outs != null && !outs.isBlank()) {
      for (String o : outs.split(",")) {
        b.addOutput(o.trim());
      }
    }
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(metadata).entrySet()) {
      if (e.getKey().startsWith("stapes.constant.")) { // in key order, whatever the map's
        String name = e.getKey().substring("stapes.constant.".length());
        b.addConstant(name, parseConstant(e.getKey(), e.getValue()));
      }
    }
    return b.build();
  }

  private static int intKey(Map<String, String> m, String key, int dflt) {
    String v = m.get(key);
    if (v == null) {
      if (dflt < 0) {
        throw new IllegalArgumentException(key + " is missing, expected a positive integer");
      }
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + ", expected an integer");
    }
  }

  private static long[] longs(String key, String v) {
    String[] parts = v.trim().isEmpty() ? new String[0] : v.split(",");
    long[] out = new long[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        out[i] = Long.parseLong(parts[i].trim());
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + ", expected comma-separated integers");
    }
    return out;
  }

  /**
   * Parses a constant written as {@code "int64:16000"} (a scalar) or {@code "float32[2]:0.5,0.25"};
   * {@code key} names it in messages.
   */
  static NpyArray parseConstant(String key, String value) {
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          key + "=" + value + ", expected 'dtype:values' such as 'int64:16000'");
    }
    String type = value.substring(0, colon).trim();
    long[] shape = new long[0];
    int br = type.indexOf('[');
    if (br >= 0) {
      if (!type.endsWith("]")) {
        throw new IllegalArgumentException(key + "=" + value + ", malformed shape");
      }
      shape = longs(key, type.substring(br + 1, type.length() - 1));
      type = type.substring(0, br);
    }
    NpyDType dtype;
    try {
      dtype = NpyDType.fromCode(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + "=" + value + ": " + e.getMessage());
    }
    String[] vals = value.substring(colon + 1).split(",");
    long n = NpyArray.elementCount(shape);
    if (vals.length != n) {
      throw new IllegalArgumentException(
          key
              + "="
              + value
              + ": "
              + vals.length
              + " values, expected "
              + n
              + " for shape "
              + Arrays.toString(shape));
    }
    ByteBuffer b = ByteBuffer.allocate((int) n * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (String s : vals) {
        s = s.trim();
        switch (dtype) {
          case F2:
            b.putShort(dev.stapes.engine.internal.Half.fromFloat(Float.parseFloat(s)));
            break;
          case F4:
            b.putFloat(Float.parseFloat(s));
            break;
          case F8:
            b.putDouble(Double.parseDouble(s));
            break;
          case I1:
          case U1:
            b.put((byte) Long.parseLong(s));
            break;
          case B1:
            b.put((byte) (s.equals("true") || s.equals("1") ? 1 : 0));
            break;
          case I2:
          case U2:
            b.putShort((short) Long.parseLong(s));
            break;
          case I4:
          case U4:
            b.putInt((int) Long.parseLong(s));
            break;
          default:
            b.putLong(Long.parseLong(s));
            break;
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + value + ": not a number: " + e.getMessage());
    }
    b.flip();
    return new NpyArray(dtype, shape, b);
  }

  /**
   * Builder of {@link StreamSpec}: {@code set} methods are required, {@code opt} and {@code add}
   * methods optional. Not thread-safe.
   */
  public static final class Builder {
    private String audioInput;
    private int chunkSamples;
    private int contextSamples;
    private long[] audioShape;
    private final List<StatePair> states = new ArrayList<>();
    private final Map<String, NpyArray> constants = new LinkedHashMap<>();
    private Scale scale = Scale.UNIT;
    private final List<String> outputs = new ArrayList<>();
    private int sampleRate;

    private Builder() {}

    /** The float32 input that receives the audio (required). */
    public Builder setAudioInput(String name) {
      this.audioInput = Objects.requireNonNull(name, "audioInput");
      return this;
    }

    /** Samples per chunk, 1 to 2^28 (required). */
    public Builder setChunkSamples(int samples) {
      if (samples < 1 || samples > (1 << 28)) {
        throw new IllegalArgumentException(
            "chunkSamples=" + samples + " samples, expected 1 to " + (1 << 28));
      }
      this.chunkSamples = samples;
      return this;
    }

    /** Samples carried from the end of the previous window, 0 (default) to 2^28. */
    public Builder optContextSamples(int samples) {
      if (samples < 0 || samples > (1 << 28)) {
        throw new IllegalArgumentException(
            "contextSamples=" + samples + " samples, expected 0 to " + (1 << 28));
      }
      this.contextSamples = samples;
      return this;
    }

    /** The audio tensor's shape; its element count must be context + chunk. */
    public Builder optAudioShape(long... shape) {
      this.audioShape = shape == null ? null : shape.clone();
      return this;
    }

    /** A state pair starting from zeros of the declared (or inferred) shape. */
    public Builder addState(String input, String output) {
      states.add(new StatePair(req(input, "input"), req(output, "output"), null, null));
      return this;
    }

    /** A state pair starting from zeros of {@code shape}. */
    public Builder addState(String input, String output, long... shape) {
      states.add(new StatePair(req(input, "input"), req(output, "output"), null, shape));
      return this;
    }

    /** A state pair starting from {@code initial}. */
    public Builder addState(String input, String output, NpyArray initial) {
      states.add(
          new StatePair(
              req(input, "input"),
              req(output, "output"),
              Objects.requireNonNull(initial, "initial"),
              null));
      return this;
    }

    /** A constant input, bound once per stream. */
    public Builder addConstant(String input, NpyArray value) {
      constants.put(req(input, "input"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** An int64 scalar constant, e.g. Silero's {@code sr}. */
    public Builder addConstantInt64(String input, long value) {
      return addConstant(input, NpyArray.ofInt64(new long[] {value}));
    }

    /** The scale of the audio; {@link Scale#UNIT} by default. */
    public Builder optScale(Scale scale) {
      this.scale = Objects.requireNonNull(scale, "scale");
      return this;
    }

    /** An output the caller reads (default: all). */
    public Builder addOutput(String output) {
      outputs.add(req(output, "output"));
      return this;
    }

    /** The sample rate the model expects, in Hz (informational; 0 = not declared). */
    public Builder optSampleRate(int hz) {
      if (hz < 0) {
        throw new IllegalArgumentException("sampleRate=" + hz + " Hz, expected >= 0");
      }
      this.sampleRate = hz;
      return this;
    }

    private static String req(String s, String what) {
      if (s == null || s.isEmpty()) {
        throw new IllegalArgumentException(what + " name must not be empty");
      }
      return s;
    }

    /**
     * The spec.
     *
     * @throws IllegalArgumentException when the audio input or chunk size is missing, or a name is
     *     used twice
     */
    public StreamSpec build() {
      if (audioInput == null) {
        throw new IllegalArgumentException("audioInput is required (setAudioInput)");
      }
      if (chunkSamples == 0) {
        throw new IllegalArgumentException("chunkSamples is required (setChunkSamples)");
      }
      List<String> used = new ArrayList<>();
      used.add(audioInput);
      for (StatePair s : states) {
        if (used.contains(s.input)) {
          throw new IllegalArgumentException("input " + s.input + " is used twice in the spec");
        }
        used.add(s.input);
      }
      for (String c : constants.keySet()) {
        if (used.contains(c)) {
          throw new IllegalArgumentException("input " + c + " is used twice in the spec");
        }
      }
      return new StreamSpec(this);
    }
  }
}
