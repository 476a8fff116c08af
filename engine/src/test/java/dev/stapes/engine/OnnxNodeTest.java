package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.internal.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

/**
 * Runs every ONNX backend node test that Debian's {@code libonnx-testdata} ships through Stapes'
 * general path ({@link Session#open}, {@link TensorProtos}, {@link Session#run}) and compares with
 * the expected outputs as ONNX's backend runner does: same dtype and shape, {@code
 * assert_allclose(rtol=1e-3, atol=1e-7)} (NaN equal to NaN) for floating-point types, exact
 * equality otherwise.
 *
 * <p>A test is skipped, with its reason, when ONNX Runtime cannot load or run the model (no kernel
 * for the op or type, opset or IR version not supported, sequence/optional/map values that ONNX
 * Runtime Java cannot create) or when ONNX Runtime's result differs from ONNX's reference while
 * being bit-for-bit what ONNX Runtime returned (a deviation of ONNX Runtime, listed in {@link
 * #KNOWN_ORT_DEVIATIONS}). Anything else fails. A summary with counts per reason is written to
 * {@code engine/target/onnx-node-tests.md}.
 */
class OnnxNodeTest {
  static final Path DATA = Path.of("/usr/share/libonnx-testdata/data/node");
  static final double RTOL = 1e-3;
  static final double ATOL = 1e-7;

  /** Node tests where ONNX Runtime 1.26's result differs from ONNX 1.12's reference. */
  static final Map<String, String> KNOWN_ORT_DEVIATIONS = new TreeMap<>();

  static {
    String random =
        "random output (Bernoulli, Dropout in training mode) cannot match a fixed reference";
    for (String t :
        List.of(
            "test_bernoulli",
            "test_bernoulli_double",
            "test_bernoulli_double_expanded",
            "test_bernoulli_expanded",
            "test_bernoulli_seed",
            "test_bernoulli_seed_expanded",
            "test_training_dropout",
            "test_training_dropout_default",
            "test_training_dropout_default_mask",
            "test_training_dropout_mask")) {
      KNOWN_ORT_DEVIATIONS.put(t, random);
    }
    String toString =
        "ONNX Runtime prints floats with 8 significant digits, numpy's reference with the"
            + " shortest repr (0.29614019 vs 0.2961402)";
    for (String t :
        List.of(
            "test_cast_FLOAT_to_STRING",
            "test_castlike_FLOAT_to_STRING",
            "test_castlike_FLOAT_to_STRING_expanded")) {
      KNOWN_ORT_DEVIATIONS.put(t, toString);
    }
    String dft =
        "ONNX Runtime's DFT leaves rounding noise (up to 1e-4) where the reference has exact"
            + " zeros, beyond atol 1e-7";
    for (String t :
        List.of(
            "test_dft",
            "test_dft_axis",
            "test_dft_inverse",
            "test_stft",
            "test_stft_with_window")) {
      KNOWN_ORT_DEVIATIONS.put(t, dft);
    }
    KNOWN_ORT_DEVIATIONS.put(
        "test_cast_FLOAT_to_BFLOAT16",
        "ONNX 1.12's reference truncates float32 to bfloat16, ONNX Runtime rounds to nearest"
            + " (1 ulp apart)");
    String listed = "listed as a result mismatch in ONNX Runtime's own backend-test filter";
    for (String t :
        List.of(
            "test_maxunpool_export_with_output_shape",
            "test_resize_downsample_scales_cubic_align_corners",
            "test_resize_downsample_scales_linear_align_corners")) {
      KNOWN_ORT_DEVIATIONS.put(t, listed);
    }
  }

  static final Map<String, String> outcomes = new TreeMap<>();
  static final SessionOptions OPTIONS =
      SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();

  static final class Skip extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String reason;

    Skip(String reason, String detail) {
      super(reason + ": " + detail);
      this.reason = reason;
    }
  }

  @TestFactory
  Stream<DynamicTest> everyNodeTestRunsThroughTheGeneralPath() throws IOException {
    boolean present = Files.isDirectory(DATA);
    if (!present && "true".equals(System.getenv("CI"))) {
      fail("libonnx-testdata is not installed (" + DATA + "); .ci/run installs it");
    }
    assumeTrue(present, "libonnx-testdata is not installed (apt-get install libonnx-testdata)");
    List<Path> dirs;
    try (Stream<Path> s = Files.list(DATA)) {
      dirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
    return dirs.stream()
        .map(
            d ->
                DynamicTest.dynamicTest(
                    d.getFileName().toString(),
                    () -> {
                      String name = d.getFileName().toString();
                      try {
                        runOne(d);
                        outcomes.put(name, "passed");
                      } catch (Skip e) {
                        outcomes.put(name, "skipped: " + e.reason);
                        throw new TestAbortedException(e.getMessage());
                      } catch (AssertionError | RuntimeException | IOException e) {
                        outcomes.put(name, "failed: " + e.getMessage());
                        throw e;
                      }
                    }));
  }

  static void runOne(Path dir) throws IOException {
    Path modelFile = dir.resolve("model.onnx");
    OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(modelFile));
    List<OnnxMl.ValueInfoProto> gin = proto.getGraph().getInputList();
    List<OnnxMl.ValueInfoProto> gout = proto.getGraph().getOutputList();
    for (OnnxMl.ValueInfoProto v : concat(gin, gout)) {
      OnnxMl.TypeProto t = v.getType();
      if (!t.hasTensorType()) {
        String kind =
            t.hasSequenceType()
                ? "sequence"
                : t.hasOptionalType() ? "optional" : t.hasMapType() ? "map" : "sparse/other";
        throw new Skip(
            "non-tensor value (" + kind + "): ONNX Runtime Java cannot create such inputs",
            v.getName());
      }
    }
    Session session;
    try {
      session = Session.open(modelFile, OPTIONS);
    } catch (ModelFormatException e) {
      throw new Skip(loadReason(e.getMessage()), e.getMessage());
    }
    try (session) {
      List<Path> sets;
      try (Stream<Path> s = Files.list(dir)) {
        sets =
            s.filter(p -> p.getFileName().toString().startsWith("test_data_set"))
                .sorted()
                .collect(Collectors.toList());
      }
      for (Path set : sets) {
        runSet(dir.getFileName().toString(), session, gin, gout, set);
      }
    }
  }

  static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static void runSet(
      String test,
      Session session,
      List<OnnxMl.ValueInfoProto> gin,
      List<OnnxMl.ValueInfoProto> gout,
      Path set)
      throws IOException {
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try {
      for (int i = 0; ; i++) {
        Path f = set.resolve("input_" + i + ".pb");
        if (!Files.exists(f)) {
          break;
        }
        TensorProtos.Value v = TensorProtos.read(f);
        String name = gin.get(i).getName();
        if (!session.inputs().containsKey(name)) {
          continue; // an initializer-backed input given a value: not overridable through Stapes
        }
        try {
          if (bfloat16AsUint16(gin.get(i), v)) {
            // ONNX 1.12's numpy_helper had no bfloat16: its test data stores the bits as uint16
            feeds.put(name, Tensor.of(ElementType.BFLOAT16, v.data(), v.shape()));
            continue;
          }
          feeds.put(name, v.toTensor());
        } catch (IllegalArgumentException e) {
          throw new Skip(
              "element type " + v.typeName() + ": ONNX Runtime Java cannot create it",
              name + ": " + e.getMessage());
        }
      }
      try {
        for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
          session.checkInput(f.getKey(), f.getValue());
        }
      } catch (IllegalArgumentException e) {
        // Stapes refuses data that contradicts the model's declared shapes; so must ORT itself
        Map<String, ai.onnxruntime.OnnxTensor> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
          raw.put(f.getKey(), f.getValue().unwrap());
        }
        try (ai.onnxruntime.OrtSession.Result r = session.ort().run(raw)) {
          throw new AssertionError(
              "Stapes refused input that ONNX Runtime accepts: " + e.getMessage());
        } catch (ai.onnxruntime.OrtException ortRefusal) {
          throw new Skip(
              "the test data contradicts the model's declared input shape; ONNX Runtime refuses"
                  + " it too",
              e.getMessage() + " / " + ortRefusal.getMessage());
        }
      }
      try (Session.Outputs out = session.run(feeds)) {
        for (int i = 0; ; i++) {
          Path f = set.resolve("output_" + i + ".pb");
          if (!Files.exists(f)) {
            break;
          }
          TensorProtos.Value expected = TensorProtos.read(f);
          String name = gout.get(i).getName();
          String diff = compare(expected, out.get(name), bfloat16AsUint16(gout.get(i), expected));
          if (diff != null) {
            String known = KNOWN_ORT_DEVIATIONS.get(test);
            if (known != null) {
              throw new Skip("ONNX Runtime deviates from the ONNX reference: " + known, diff);
            }
            throw new AssertionError(set.getFileName() + " output " + name + ": " + diff);
          }
        }
      } catch (InferenceException e) {
        throw new Skip(runReason(e.getMessage()), e.getMessage());
      }
    } finally {
      for (Tensor t : feeds.values()) {
        t.close();
      }
    }
  }

  static String loadReason(String msg) {
    if (msg.contains("Failed to construct locale")) {
      return "ONNX Runtime's StringNormalizer needs the en_US.UTF-8 locale, absent here";
    }
    if (msg.contains("Could not find an implementation for")) {
      return "ONNX Runtime has no CPU kernel for the op with these types";
    }
    if (msg.contains("No Op registered for") || msg.contains("is not a registered function/op")) {
      return "ONNX Runtime does not implement the op at this opset or domain";
    }
    if (msg.contains("Batchwise recurrent operations (layout == 1) are not supported")) {
      return "ONNX Runtime's CPU RNN kernels do not support layout=1 (batchwise)";
    }
    if (msg.contains("opset") || msg.contains("Opset") || msg.contains("IR version")) {
      return "ONNX Runtime does not support the model's opset or IR version";
    }
    if (msg.contains("not an ONNX model")) {
      return "model unreadable";
    }
    return "ONNX Runtime refused the model";
  }

  static String runReason(String msg) {
    if (msg.contains("Failed to construct locale")) {
      return "ONNX Runtime's StringNormalizer needs the en_US.UTF-8 locale, absent here";
    }
    if (msg.contains("NOT_IMPLEMENTED") || msg.contains("not implemented")) {
      return "ONNX Runtime does not implement the op for these inputs";
    }
    return "ONNX Runtime failed while running the model";
  }

  /** Null when {@code actual} matches {@code expected} as ONNX's runner decides, else why not. */
  static boolean bfloat16AsUint16(OnnxMl.ValueInfoProto declared, TensorProtos.Value v) {
    return declared.getType().getTensorType().getElemType() == 16 && v.type() == ElementType.UINT16;
  }

  static String compare(TensorProtos.Value expected, Tensor actual, boolean bfloat16) {
    ElementType et = bfloat16 ? ElementType.BFLOAT16 : expected.type();
    if (et != actual.type()) {
      return "dtype " + actual.type() + ", expected " + expected.typeName();
    }
    if (!Arrays.equals(expected.shape(), actual.shape())) {
      return "shape "
          + Arrays.toString(actual.shape())
          + ", expected "
          + Arrays.toString(expected.shape());
    }
    if (expected.type() == ElementType.STRING) {
      String[] e = expected.strings();
      String[] a = actual.toStrings();
      return Arrays.equals(e, a)
          ? null
          : "strings " + Arrays.toString(a) + " != " + Arrays.toString(e);
    }
    ByteBuffer e = expected.data();
    ByteBuffer a = actual.data();
    ElementType t = et;
    if (t == ElementType.FLOAT
        || t == ElementType.DOUBLE
        || t == ElementType.FLOAT16
        || t == ElementType.BFLOAT16) {
      int n = (int) actual.size();
      int bad = 0;
      String first = null;
      for (int i = 0; i < n; i++) {
        double x = value(a, t, i);
        double y = value(e, t, i);
        boolean ok =
            (Double.isNaN(x) && Double.isNaN(y))
                || x == y
                || Math.abs(x - y) <= ATOL + RTOL * Math.abs(y);
        if (!ok) {
          if (first == null) {
            first = "index " + i + ": " + x + " vs expected " + y;
          }
          bad++;
        }
      }
      return bad == 0 ? null : bad + "/" + n + " elements differ (rtol 1e-3, atol 1e-7), " + first;
    }
    return a.equals(e) ? null : "values differ (exact comparison for " + t + ")";
  }

  static double value(ByteBuffer b, ElementType t, int i) {
    b = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    switch (t) {
      case FLOAT:
        return b.getFloat(4 * i);
      case DOUBLE:
        return b.getDouble(8 * i);
      case FLOAT16:
        return Half.toFloat(b.getShort(2 * i));
      default:
        return Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
    }
  }

  @AfterAll
  static void writeSummary() throws IOException {
    if (outcomes.isEmpty()) {
      return;
    }
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, List<String>> byReason = new TreeMap<>();
    for (Map.Entry<String, String> e : outcomes.entrySet()) {
      String v = e.getValue();
      String status =
          v.startsWith("passed") ? "passed" : v.startsWith("skipped") ? "skipped" : "failed";
      counts.merge(status, 1, Integer::sum);
      if (!status.equals("passed")) {
        String reason = status.equals("skipped") ? v : "failed";
        byReason.computeIfAbsent(reason, k -> new ArrayList<>()).add(e.getKey());
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("# ONNX backend node tests through Stapes\n\n");
    sb.append("Data: Debian libonnx-testdata (ONNX 1.12 node tests), ")
        .append(DATA)
        .append("; ONNX Runtime ")
        .append(ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion())
        .append("; comparison rtol 1e-3, atol 1e-7.\n\n");
    sb.append("| outcome | tests |\n|---|---|\n");
    sb.append("| total | ").append(outcomes.size()).append(" |\n");
    for (String s : List.of("passed", "skipped", "failed")) {
      sb.append("| ").append(s).append(" | ").append(counts.getOrDefault(s, 0)).append(" |\n");
    }
    sb.append("\n## Skipped and failed, by reason\n\n");
    for (Map.Entry<String, List<String>> e : byReason.entrySet()) {
      sb.append("- ")
          .append(e.getKey())
          .append(" (")
          .append(e.getValue().size())
          .append("): ")
          .append(String.join(", ", e.getValue()))
          .append("\n");
    }
    Path out = Path.of(System.getProperty("user.dir"), "target", "onnx-node-tests.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb.toString(), StandardCharsets.UTF_8);
    assertTrue(Files.size(out) > 0);
  }
}
