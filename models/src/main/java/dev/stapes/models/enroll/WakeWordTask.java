package dev.stapes.models.enroll;

import dev.stapes.engine.Json;
import dev.stapes.engine.inject.InvalidAdapterException;
import dev.stapes.engine.inject.Safetensors;
import dev.stapes.engine.inject.WeightTensor;
import dev.stapes.models.ModelCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An enrolled wake word as a task file: one safetensors file (read with the engine's bounds-checked
 * {@link Safetensors} reader, as adapters are) holding {@code head.weight} [16, 96] and {@code
 * head.bias} [1], with {@code __metadata__}:
 *
 * <ul>
 *   <li>{@code format} = {@value #FORMAT}, {@code format_version} = {@value #FORMAT_VERSION};
 *   <li>{@code name}: the word's name ({@value #NAME_PATTERN});
 *   <li>{@code base_models}: a JSON list of {@code {"id", "sha256"}}, the models the head was
 *       trained on (openWakeWord's embedding model); a task whose base differs is refused;
 *   <li>{@code features}: JSON, the feature settings (rate, chunk, mel frontend, window, dim);
 *   <li>{@code threshold}: the calibrated threshold on the head's logit;
 *   <li>{@code calibration}: JSON, what enrollment measured (target and measured false accepts per
 *       hour, hours of negatives, expected recall, timings).
 * </ul>
 *
 * <p>Immutable.
 */
public final class WakeWordTask {

  /** The {@code format} metadata value. */
  public static final String FORMAT = "stapes.wakeword-task";

  /** The format version this build writes and reads. */
  public static final String FORMAT_VERSION = "1";

  /** Valid names. */
  public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}";

  /** The mel frontend the features come from. */
  public static final String MEL = "stapes:oww-mel";

  private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

  private final String name;
  private final LogisticHead head;
  private final double threshold;
  private final String baseId;
  private final String baseSha256;
  private final Map<String, Object> calibration;
  private final LogisticHead verifier; // null: no speaker lock
  private final double verifierThreshold;

  /**
   * A task.
   *
   * @param calibration figures to record (values: numbers or strings)
   */
  public WakeWordTask(
      String name,
      LogisticHead head,
      double threshold,
      String baseId,
      String baseSha256,
      Map<String, Object> calibration) {
    this(name, head, threshold, baseId, baseSha256, calibration, null, Double.NaN);
  }

  /**
   * A task with a speaker lock: {@code verifier} (null: none) must reach {@code verifierThreshold}
   * on the window where the word is detected.
   */
  public WakeWordTask(
      String name,
      LogisticHead head,
      double threshold,
      String baseId,
      String baseSha256,
      Map<String, Object> calibration,
      LogisticHead verifier,
      double verifierThreshold) {
    checkName(name);
    if (verifier != null
        && (verifier.size() != head.size() || !Double.isFinite(verifierThreshold))) {
      throw new IllegalArgumentException(
          "verifier.size()="
              + verifier.size()
              + " verifierThreshold="
              + verifierThreshold
              + ", expected "
              + head.size()
              + " and a finite logit");
    }
    this.verifier = verifier;
    this.verifierThreshold = verifierThreshold;
    if (head.size() != Embedder.WINDOW * Embedder.DIM) {
      throw new IllegalArgumentException(
          "head.size()=" + head.size() + ", expected " + Embedder.WINDOW * Embedder.DIM);
    }
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold=" + threshold + ", expected a finite logit");
    }
    this.name = name;
    this.head = head;
    this.threshold = threshold;
    this.baseId = baseId;
    this.baseSha256 = baseSha256;
    this.calibration = Map.copyOf(calibration);
  }

  /** The checksum of the base this build runs: the catalog's {@code oww-embedding}. */
  public static String currentBaseSha256() {
    return ModelCatalog.get(ModelCatalog.OWW_EMBEDDING).sha256();
  }

  /**
   * @throws IllegalArgumentException when {@code name} does not match {@link #NAME_PATTERN}
   */
  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name="
              + (name == null ? "null" : "'" + name + "'")
              + ", expected 1 to 64 letters, digits, '_', '.' or '-' starting with a letter or"
              + " digit (e.g. hey_nova)");
    }
  }

  /** The word's name. */
  public String name() {
    return name;
  }

  /** The head. */
  public LogisticHead head() {
    return head;
  }

  /** The calibrated threshold on the head's logit. */
  public double threshold() {
    return threshold;
  }

  /** The base model's id. */
  public String baseId() {
    return baseId;
  }

  /** The base model's SHA-256. */
  public String baseSha256() {
    return baseSha256;
  }

  /** The calibration figures. */
  public Map<String, Object> calibration() {
    return calibration;
  }

  /** The speaker lock's head, or null. */
  public LogisticHead verifier() {
    return verifier;
  }

  /** The speaker lock's threshold (a logit; NaN without a lock). */
  public double verifierThreshold() {
    return verifierThreshold;
  }

  /** The same word without its speaker lock. */
  public WakeWordTask withoutSpeakerLock(String newName) {
    return new WakeWordTask(newName, head, threshold, baseId, baseSha256, calibration);
  }

  /** Writes the task file (atomically: a temporary file beside it, then a move). */
  public void write(Path file) throws IOException {
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    t.put(
        "head.weight",
        new WeightTensor(new long[] {Embedder.WINDOW, Embedder.DIM}, head.weights()));
    t.put("head.bias", new WeightTensor(new long[] {1}, new float[] {head.bias()}));
    if (verifier != null) {
      t.put(
          "verifier.weight",
          new WeightTensor(new long[] {Embedder.WINDOW, Embedder.DIM}, verifier.weights()));
      t.put("verifier.bias", new WeightTensor(new long[] {1}, new float[] {verifier.bias()}));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("format_version", FORMAT_VERSION);
    meta.put("name", name);
    meta.put(
        "base_models",
        "[{\"id\":" + Json.quote(baseId) + ",\"sha256\":" + Json.quote(baseSha256) + "}]");
    meta.put(
        "features",
        "{\"sample_rate_hz\":16000,\"chunk_samples\":"
            + Embedder.CHUNK
            + ",\"mel\":"
            + Json.quote(MEL)
            + ",\"window_embeddings\":"
            + Embedder.WINDOW
            + ",\"embedding_dim\":"
            + Embedder.DIM
            + "}");
    meta.put("head", "logistic");
    meta.put("threshold", Double.toString(threshold));
    if (verifier != null) {
      meta.put("speaker_lock", "logistic");
      meta.put("verifier_threshold", Double.toString(verifierThreshold));
    }
    StringBuilder c = new StringBuilder("{");
    for (Map.Entry<String, Object> e : new java.util.TreeMap<>(calibration).entrySet()) {
      c.append(c.length() > 1 ? "," : "").append(Json.quote(e.getKey())).append(':');
      Object v = e.getValue();
      if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
        c.append(v instanceof Double || v instanceof Float ? fmt(n.doubleValue()) : v.toString());
      } else {
        c.append(Json.quote(String.valueOf(v)));
      }
    }
    meta.put("calibration", c.append('}').toString());
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
    try {
      Safetensors.write(tmp, t, meta);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  /**
   * Reads a task file and checks it against the base this build runs ({@link
   * #currentBaseSha256()}).
   *
   * @throws InvalidAdapterException (one line naming the file) for a corrupt file, a file of
   *     another kind or version, or a task for another base model
   */
  public static WakeWordTask read(Path file) throws IOException {
    return read(file, currentBaseSha256());
  }

  /** Reads a task file and checks that it was enrolled on the base with {@code baseSha256}. */
  public static WakeWordTask read(Path file, String baseSha256) throws IOException {
    String src = file.toString();
    Safetensors st = Safetensors.read(file);
    Map<String, String> m = st.metadata();
    String format = m.get("format");
    if (!FORMAT.equals(format)) {
      throw new InvalidAdapterException(
          src
              + ": not a wake-word task ("
              + (format == null ? "no 'format' in its metadata" : "format=" + format)
              + ", expected "
              + FORMAT
              + "; make one with 'stapes enroll')");
    }
    if (!FORMAT_VERSION.equals(m.get("format_version"))) {
      throw new InvalidAdapterException(
          src
              + ": format_version="
              + m.get("format_version")
              + ", this build reads "
              + FORMAT_VERSION
              + "; enroll the word again");
    }
    String name = m.get("name");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidAdapterException(src + ": name=" + name + ", expected " + NAME_PATTERN);
    }
    String id;
    String sha;
    try {
      Object base = Json.parse(req(m, "base_models", src));
      if (!(base instanceof List<?> l)
          || l.size() != 1
          || !(l.get(0) instanceof Map<?, ?> b)
          || !(b.get("id") instanceof String i)
          || !(b.get("sha256") instanceof String s)) {
        throw new InvalidAdapterException(
            src + ": base_models is not a list of one {\"id\",\"sha256\"} object");
      }
      id = i;
      sha = s;
      Object f = Json.parse(req(m, "features", src));
      if (!(f instanceof Map<?, ?> fm)
          || !MEL.equals(fm.get("mel"))
          || !(fm.get("window_embeddings") instanceof Number w)
          || w.intValue() != Embedder.WINDOW
          || !(fm.get("embedding_dim") instanceof Number dm)
          || dm.intValue() != Embedder.DIM) {
        throw new InvalidAdapterException(
            src
                + ": features="
                + m.get("features")
                + ", expected mel "
                + MEL
                + ", window_embeddings "
                + Embedder.WINDOW
                + ", embedding_dim "
                + Embedder.DIM);
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidAdapterException(src + ": corrupt metadata: " + e.getMessage());
    }
    if (!ModelCatalog.OWW_EMBEDDING.equals(id) || !sha.equals(baseSha256)) {
      throw new InvalidAdapterException(
          src
              + ": enrolled on base model "
              + id
              + " sha256 "
              + abbrev(sha)
              + ", this build runs "
              + ModelCatalog.OWW_EMBEDDING
              + " sha256 "
              + abbrev(baseSha256)
              + "; enroll the word again on this base");
    }
    double threshold;
    try {
      threshold = Double.parseDouble(req(m, "threshold", src));
    } catch (NumberFormatException e) {
      throw new InvalidAdapterException(
          src + ": threshold=" + m.get("threshold") + ", not a number");
    }
    if (!Double.isFinite(threshold)) {
      throw new InvalidAdapterException(src + ": threshold=" + threshold + ", expected finite");
    }
    WeightTensor w = st.tensors().get("head.weight");
    WeightTensor b = st.tensors().get("head.bias");
    if (w == null
        || b == null
        || w.rank() != 2
        || w.dim(0) != Embedder.WINDOW
        || w.dim(1) != Embedder.DIM
        || b.rank() != 1
        || b.dim(0) != 1) {
      throw new InvalidAdapterException(
          src
              + ": expected tensors head.weight ["
              + Embedder.WINDOW
              + ", "
              + Embedder.DIM
              + "] and head.bias [1], found "
              + describe(st.tensors()));
    }
    for (float v : w.data()) {
      if (!Float.isFinite(v)) {
        throw new InvalidAdapterException(src + ": head.weight holds a non-finite value");
      }
    }
    if (!Float.isFinite(b.data()[0])) {
      throw new InvalidAdapterException(src + ": head.bias is not finite");
    }
    Map<String, Object> cal = new LinkedHashMap<>();
    String c = m.get("calibration");
    if (c != null) {
      try {
        if (Json.parse(c) instanceof Map<?, ?> cm) {
          for (Map.Entry<?, ?> e : cm.entrySet()) {
            cal.put(String.valueOf(e.getKey()), e.getValue());
          }
        }
      } catch (IllegalArgumentException e) {
        throw new InvalidAdapterException(
            src + ": corrupt calibration metadata: " + e.getMessage());
      }
    }
    LogisticHead verifier = null;
    double vt = Double.NaN;
    if (m.containsKey("speaker_lock")) {
      WeightTensor vw = st.tensors().get("verifier.weight");
      WeightTensor vb = st.tensors().get("verifier.bias");
      if (vw == null
          || vb == null
          || vw.rank() != 2
          || vw.dim(0) != Embedder.WINDOW
          || vw.dim(1) != Embedder.DIM
          || vb.rank() != 1
          || vb.dim(0) != 1) {
        throw new InvalidAdapterException(
            src
                + ": speaker_lock set, expected tensors verifier.weight [16, 96] and verifier.bias"
                + " [1], found "
                + describe(st.tensors()));
      }
      try {
        vt = Double.parseDouble(req(m, "verifier_threshold", src));
      } catch (NumberFormatException e) {
        throw new InvalidAdapterException(
            src + ": verifier_threshold=" + m.get("verifier_threshold") + ", not a number");
      }
      for (float v : vw.data()) {
        if (!Float.isFinite(v)) {
          throw new InvalidAdapterException(src + ": verifier.weight holds a non-finite value");
        }
      }
      if (!Double.isFinite(vt) || !Float.isFinite(vb.data()[0])) {
        throw new InvalidAdapterException(src + ": verifier threshold or bias is not finite");
      }
      verifier = new LogisticHead(vw.data(), vb.data()[0]);
    }
    return new WakeWordTask(
        name, new LogisticHead(w.data(), b.data()[0]), threshold, id, sha, cal, verifier, vt);
  }

  private static String req(Map<String, String> m, String key, String src)
      throws InvalidAdapterException {
    String v = m.get(key);
    if (v == null) {
      throw new InvalidAdapterException(src + ": no '" + key + "' in its metadata");
    }
    return v;
  }

  private static String abbrev(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) + "..." : sha;
  }

  private static String describe(Map<String, WeightTensor> t) {
    StringBuilder sb = new StringBuilder("[");
    for (Map.Entry<String, WeightTensor> e : t.entrySet()) {
      sb.append(sb.length() > 1 ? ", " : "")
          .append(e.getKey())
          .append(' ')
          .append(java.util.Arrays.toString(e.getValue().shape()));
    }
    return sb.append(']').toString();
  }
}
