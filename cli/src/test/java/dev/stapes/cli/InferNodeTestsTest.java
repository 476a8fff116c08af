package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.ElementType;
import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import dev.stapes.engine.TensorProtos;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every ONNX backend node test of Debian's {@code libonnx-testdata} through the command line
 * itself: {@code stapes infer --model model.onnx --input NAME=input_i.pb ... --out DIR}, then the
 * written {@code .npy} files against {@code output_i.pb} (rtol 1e-3, atol 1e-7 for floating point,
 * exact otherwise). A test either matches, or {@code infer} refuses it with one line on stderr and
 * exit code 1 (types ONNX Runtime Java cannot create, ops ONNX Runtime lacks), or its mismatch is a
 * known ONNX Runtime deviation (see the engine's {@code OnnxNodeTest}). Counts go to {@code
 * models/target/infer-node-tests.md}.
 */
class InferNodeTestsTest {
  static final Path DATA = Path.of("/usr/share/libonnx-testdata/data/node");

  /** Node tests whose ONNX Runtime result differs from ONNX 1.12's reference (see OnnxNodeTest). */
  static final Set<String> KNOWN_ORT_DEVIATIONS =
      Set.of(
          "test_bernoulli",
          "test_bernoulli_double",
          "test_bernoulli_double_expanded",
          "test_bernoulli_expanded",
          "test_bernoulli_seed",
          "test_bernoulli_seed_expanded",
          "test_training_dropout",
          "test_training_dropout_default",
          "test_training_dropout_default_mask",
          "test_training_dropout_mask",
          "test_cast_FLOAT_to_STRING",
          "test_castlike_FLOAT_to_STRING",
          "test_castlike_FLOAT_to_STRING_expanded",
          "test_cast_FLOAT_to_BFLOAT16",
          "test_dft",
          "test_dft_axis",
          "test_dft_inverse",
          "test_stft",
          "test_stft_with_window",
          "test_maxunpool_export_with_output_shape",
          "test_resize_downsample_scales_cubic_align_corners",
          "test_resize_downsample_scales_linear_align_corners");

  @TempDir Path tmp;

  @Test
  void everyNodeTestRunsThroughInfer() throws IOException {
    boolean present = Files.isDirectory(DATA);
    if (!present && "true".equals(System.getenv("CI"))) {
      fail("libonnx-testdata is not installed (" + DATA + "); .ci/run installs it");
    }
    assumeTrue(present, "libonnx-testdata is not installed");
    List<Path> dirs;
    try (Stream<Path> s = Files.list(DATA)) {
      dirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
    Map<String, List<String>> outcomes = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    for (Path dir : dirs) {
      String test = dir.getFileName().toString();
      String outcome;
      try {
        outcome = runOne(dir, tmp.resolve(test));
      } catch (AssertionError | IOException | RuntimeException e) {
        outcome = "failed";
        failures.add(test + ": " + e.getMessage());
      }
      outcomes.computeIfAbsent(outcome, k -> new ArrayList<>()).add(test);
    }
    StringBuilder sb = new StringBuilder("# ONNX backend node tests through `stapes infer`\n\n");
    sb.append("| outcome | tests |\n|---|---|\n| total | ").append(dirs.size()).append(" |\n");
    for (Map.Entry<String, List<String>> e : outcomes.entrySet()) {
      sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue().size()).append(" |\n");
    }
    sb.append("\n");
    for (Map.Entry<String, List<String>> e : outcomes.entrySet()) {
      if (!e.getKey().equals("passed")) {
        sb.append("- ")
            .append(e.getKey())
            .append(": ")
            .append(String.join(", ", e.getValue()))
            .append("\n");
      }
    }
    for (String f : failures) {
      sb.append("- FAILED ").append(f).append("\n");
    }
    Path summary = Path.of(System.getProperty("user.dir"), "target", "infer-node-tests.md");
    Files.createDirectories(summary.getParent());
    Files.writeString(summary, sb.toString(), StandardCharsets.UTF_8);
    assertTrue(failures.isEmpty(), failures.size() + " failures: " + failures);
    assertTrue(outcomes.get("passed").size() > 800, sb.toString());
  }

  /** "passed", "refused in one line", or "known ONNX Runtime deviation"; throws on failure. */
  static String runOne(Path dir, Path out) throws IOException {
    OnnxMl.ModelProto model =
        OnnxMl.ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
    List<Path> sets;
    try (Stream<Path> s = Files.list(dir)) {
      sets =
          s.filter(p -> p.getFileName().toString().startsWith("test_data_set"))
              .sorted()
              .collect(Collectors.toList());
    }
    boolean deviates = false;
    for (Path set : sets) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "infer",
                  "--model",
                  dir.resolve("model.onnx").toString(),
                  "--threads",
                  "1",
                  "--out",
                  out.toString()));
      for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
        args.add("--input");
        args.add(model.getGraph().getInput(i).getName() + "=" + set.resolve("input_" + i + ".pb"));
      }
      InferCommandTest.Run r = InferCommandTest.run(args.toArray(new String[0]));
      if (r.code() != 0) {
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "not one line: " + r.err());
        assertTrue(r.err().startsWith("stapes infer: "), r.err());
        return "refused in one line";
      }
      for (int i = 0; Files.exists(set.resolve("output_" + i + ".pb")); i++) {
        OnnxMl.ValueInfoProto declared = model.getGraph().getOutput(i);
        if (!declared.getType().hasTensorType()) {
          assertTrue(r.out().contains(declared.getName() + ": "), r.out());
          assertTrue(r.out().contains("(not a tensor: not written)"), r.out());
          return "non-tensor output, reported as not written";
        }
        TensorProtos.Value expected = TensorProtos.read(set.resolve("output_" + i + ".pb"));
        Path written = out.resolve(InferCommand.fileName(declared.getName()) + ".npy");
        String diff = compare(expected, written, declared.getType().getTensorType().getElemType());
        if (diff != null) {
          if (!KNOWN_ORT_DEVIATIONS.contains(dir.getFileName().toString())) {
            throw new AssertionError(set.getFileName() + " " + declared.getName() + ": " + diff);
          }
          deviates = true;
        }
      }
    }
    return deviates ? "known ONNX Runtime deviation" : "passed";
  }

  static String compare(TensorProtos.Value expected, Path written, int declaredType)
      throws IOException {
    if (expected.type() == ElementType.STRING) {
      String[] got = readUnicode(written);
      return java.util.Arrays.equals(got, expected.strings()) ? null : "strings differ";
    }
    NpyArray got = Npy.read(written);
    if (!java.util.Arrays.equals(got.shape(), expected.shape())) {
      return "shape "
          + java.util.Arrays.toString(got.shape())
          + ", expected "
          + java.util.Arrays.toString(expected.shape());
    }
    boolean bfloat16 = declaredType == 16; // written as float32; the reference holds the bits
    ElementType t = expected.type();
    if (bfloat16 || t == ElementType.FLOAT || t == ElementType.DOUBLE || t == ElementType.FLOAT16) {
      double[] a = got.toDoubleArray();
      double[] e;
      if (bfloat16) {
        ByteBuffer b = expected.data();
        e = new double[a.length];
        for (int i = 0; i < e.length; i++) {
          e[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
        }
      } else {
        e = expected.toNpy().toDoubleArray();
      }
      for (int i = 0; i < a.length; i++) {
        boolean ok =
            (Double.isNaN(a[i]) && Double.isNaN(e[i]))
                || a[i] == e[i]
                || Math.abs(a[i] - e[i]) <= 1e-7 + 1e-3 * Math.abs(e[i]);
        if (!ok) {
          return "index " + i + ": " + a[i] + " vs expected " + e[i];
        }
      }
      return null;
    }
    if (got.dtype() != expected.type().npy()) {
      return "dtype " + got.dtype() + ", expected " + expected.typeName();
    }
    return got.data().equals(expected.data()) ? null : "values differ";
  }

  /** Reads a NumPy unicode array ({@code <U n}) as written by {@code Npy.writeStrings}. */
  static String[] readUnicode(Path f) throws IOException {
    byte[] b = Files.readAllBytes(f);
    int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    String header = new String(b, 10, headerLen, StandardCharsets.ISO_8859_1);
    Matcher m = Pattern.compile("'descr': '<U(\\d+)'").matcher(header);
    assertTrue(m.find(), header);
    int width = Integer.parseInt(m.group(1));
    ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, b.length - 10 - headerLen);
    data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    String[] out = new String[data.remaining() / (4 * width)];
    for (int i = 0; i < out.length; i++) {
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < width; j++) {
        int cp = data.getInt((i * width + j) * 4);
        if (cp != 0) {
          sb.appendCodePoint(cp);
        }
      }
      out[i] = sb.toString();
    }
    return out;
  }
}
