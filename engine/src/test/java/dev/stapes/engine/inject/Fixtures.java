package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helpers: the PyTorch fixtures in src/test/resources/inject and a small .npy reader. */
final class Fixtures {
  static final Path DIR = Path.of("src/test/resources/inject");
  static final Map<?, ?> SIDECAR = sidecar();

  private Fixtures() {}

  private static Map<?, ?> sidecar() {
    try {
      return (Map<?, ?>) Json.parse(Files.readString(DIR.resolve("fixtures.json")));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static double tolerance() {
    return (Double) SIDECAR.get("tolerance");
  }

  static Map<?, ?> fixture(String model) {
    return (Map<?, ?>) ((Map<?, ?>) SIDECAR.get("fixtures")).get(model);
  }

  static Path modelPath(String model) {
    return DIR.resolve((String) fixture(model).get("model"));
  }

  static Path adapterPath(String model, String adapter) {
    return DIR.resolve((String) ((Map<?, ?>) fixture(model).get("adapters")).get(adapter));
  }

  static Adapter adapter(String model, String adapter) throws IOException {
    Path p = adapterPath(model, adapter);
    if (Files.isDirectory(p)) {
      return LoraAdapter.readPeft(p);
    }
    if (adapter.startsWith("bottleneck")) {
      return BottleneckAdapter.read(p);
    }
    return TaskEmbedding.read(p);
  }

  /** The task of a fixture case: [[adapter, multiplier], ...]. */
  static Task task(String model, String kase) throws IOException {
    List<?> parts = (List<?>) ((Map<?, ?>) fixture(model).get("cases")).get(kase);
    Task.Builder b = Task.builder(kase);
    for (Object o : parts) {
      List<?> p = (List<?>) o;
      b.add(adapter(model, (String) p.get(0)), ((Double) p.get(1)).floatValue());
    }
    return b.build();
  }

  static List<String> cases(String model) {
    return new ArrayList<>(((Map<String, ?>) fixture(model).get("cases")).keySet());
  }

  @SuppressWarnings("unchecked")
  static List<String> outputs(String model) {
    return (List<String>) fixture(model).get("outputs");
  }

  static String inputName(String model) {
    return (String) ((Map<?, ?>) fixture(model).get("input")).get("name");
  }

  static Npy input(String model) throws IOException {
    return Npy.read(DIR.resolve((String) ((Map<?, ?>) fixture(model).get("input")).get("file")));
  }

  static Npy expected(String model, String kase, String output) throws IOException {
    Map<?, ?> e = (Map<?, ?>) ((Map<?, ?>) fixture(model).get("expected")).get(kase);
    return Npy.read(DIR.resolve((String) e.get(output)));
  }

  /** Runs a session on the fixture input with a task; returns outputs by name. */
  static Map<String, Npy> run(InjectedSession s, String model, String task)
      throws IOException, OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Npy x = input(model);
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data), x.shape)) {
      try (OrtSession.Result r = s.run(Map.of(inputName(model), t), task)) {
        return collect(r, model);
      }
    }
  }

  static Map<String, Npy> collect(OrtSession.Result r, String model) throws OrtException {
    Map<String, Npy> out = new LinkedHashMap<>();
    for (String o : outputs(model)) {
      OnnxTensor t = (OnnxTensor) r.get(o).orElseThrow();
      FloatBuffer fb = t.getFloatBuffer();
      float[] d = new float[fb.remaining()];
      fb.get(d);
      out.put(o, new Npy(t.getInfo().getShape(), d));
    }
    return out;
  }

  static double maxAbsDiff(Npy a, Npy b) {
    assertArrayEquals(a.shape, b.shape, "shape");
    double m = 0;
    for (int i = 0; i < a.data.length; i++) {
      m = Math.max(m, Math.abs((double) a.data[i] - b.data[i]));
      assertTrue(Float.isFinite(a.data[i]), "non-finite output");
    }
    return m;
  }

  /** A float32 little-endian C-order .npy array. */
  static final class Npy {
    final long[] shape;
    final float[] data;

    Npy(long[] shape, float[] data) {
      this.shape = shape;
      this.data = data;
    }

    static Npy read(Path p) throws IOException {
      byte[] all = Files.readAllBytes(p);
      ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
      int major = all[6];
      int hlen = major == 1 ? (b.getShort(8) & 0xffff) : b.getInt(8);
      int start = major == 1 ? 10 : 12;
      String header = new String(all, start, hlen, StandardCharsets.US_ASCII);
      if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
        throw new IOException(p + ": expected little-endian float32 in C order: " + header);
      }
      Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(header);
      if (!m.find()) {
        throw new IOException(p + ": no shape");
      }
      List<Long> dims = new ArrayList<>();
      for (String s : m.group(1).split(",")) {
        if (!s.isBlank()) {
          dims.add(Long.parseLong(s.trim()));
        }
      }
      long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
      int n = 1;
      for (long d : shape) {
        n *= (int) d;
      }
      float[] data = new float[n];
      b.position(start + hlen);
      b.asFloatBuffer().get(data);
      return new Npy(shape, data);
    }

    /** Row {@code i} along axis 0. */
    Npy row(int i) {
      int per = data.length / (int) shape[0];
      float[] d = new float[per];
      System.arraycopy(data, i * per, d, 0, per);
      long[] s = shape.clone();
      s[0] = 1;
      return new Npy(s, d);
    }
  }
}
