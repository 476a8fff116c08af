package dev.stapes.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.Json;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.WeightTensor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Where the bound-LoRA cost goes: ONNX Runtime's profiler ({@code enableProfiling}) on {@link
 * InjectionBenchmark}'s model, base, bound (LoRA on all 72 Linear layers) and merged, one thread;
 * prints per model the sum over nodes of each node's median kernel time per run, and per op type
 * the nodes the injection added ({@code inject/} in the name) and what they take. Runs with {@code
 * -Dstapes.bench.injection.profile=RUNS}; the profiles stay in {@code bench/target/profile/}.
 */
class InjectionProfileTest {

  @Test
  void profileShowsWhereTheBoundNodesSpendTheirTime() throws Exception {
    String runs = System.getProperty("stapes.bench.injection.profile");
    assumeTrue(runs != null, "-Dstapes.bench.injection.profile=RUNS not set");
    int n = Integer.parseInt(runs);
    OrtEnvironment env = BenchModels.environment();
    var proto = InjectionBenchmark.baseModel();
    InjectedModel bound =
        Injector.builder()
            .model(proto)
            .mode(Injector.Mode.BOUND)
            .task(Task.of("a", InjectionBenchmark.allLinearLora("lora-a", 2)))
            .build();
    InjectedModel merged =
        Injector.builder()
            .model(proto)
            .mode(Injector.Mode.BAKED)
            .task(Task.of("a", InjectionBenchmark.allLinearLora("lora-a", 2)))
            .build();
    Path dir = BenchModels.projectRoot().resolve("bench/target/profile");
    Files.createDirectories(dir);
    float[] mel = new float[100 * 80];
    for (int i = 0; i < mel.length; i++) {
      mel[i] = (float) Math.sin(i * 0.013);
    }
    String[] names = {"base", "bound", "merged"};
    byte[][] models = {proto.toByteArray(), bound.modelBytes(), merged.modelBytes()};
    List<OnnxTensor> owned = new ArrayList<>();
    try {
      OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(mel), new long[] {1, 100, 80});
      owned.add(x);
      for (int m = 0; m < 3; m++) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        feed.put("mel", x);
        if (m == 1) {
          for (Map.Entry<String, WeightTensor> e : bound.boundValues("a").entrySet()) {
            OnnxTensor t =
                OnnxTensor.createTensor(
                    env, FloatBuffer.wrap(e.getValue().data()), e.getValue().shape());
            owned.add(t);
            feed.put(e.getKey(), t);
          }
        }
        String file;
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
          o.setIntraOpNumThreads(1);
          o.setInterOpNumThreads(1);
          o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
          o.enableProfiling(dir.resolve(names[m]).toString());
          try (OrtSession s = env.createSession(models[m], o)) {
            for (int i = 0; i < n; i++) {
              s.run(feed).close();
            }
            file = s.endProfiling();
          }
        }
        report(names[m], Path.of(file));
      }
    } finally {
      for (OnnxTensor t : owned) {
        t.close();
      }
    }
  }

  /** Prints the sum of per-node median kernel times, and the added nodes per op type. */
  private static void report(String model, Path file) throws Exception {
    Map<String, List<Long>> times = new HashMap<>();
    Map<String, String> ops = new HashMap<>();
    for (Object o : (List<?>) Json.parse(Files.readString(file))) {
      Map<?, ?> e = (Map<?, ?>) o;
      String name = String.valueOf(e.get("name"));
      if (!"Node".equals(e.get("cat")) || !name.endsWith("_kernel_time")) {
        continue;
      }
      String node = name.substring(0, name.length() - "_kernel_time".length());
      times.computeIfAbsent(node, k -> new ArrayList<>()).add(((Number) e.get("dur")).longValue());
      ops.put(node, String.valueOf(((Map<?, ?>) e.get("args")).get("op_name")));
    }
    assertTrue(!times.isEmpty(), "no node events in " + file);
    double total = 0;
    Map<String, double[]> added = new TreeMap<>();
    for (Map.Entry<String, List<Long>> e : times.entrySet()) {
      double med = Interleaved.median(e.getValue().stream().mapToLong(Long::longValue).toArray());
      total += med;
      if (e.getKey().contains("inject/")) {
        double[] a = added.computeIfAbsent(ops.get(e.getKey()), k -> new double[2]);
        a[0] += med;
        a[1]++;
      }
    }
    System.out.printf(
        "profile %-6s %4d nodes, sum of per-node median kernel times %8.0f us per run%n",
        model, times.size(), total);
    for (Map.Entry<String, double[]> e : added.entrySet()) {
      System.out.printf(
          "profile %-6s added %-8s %4.0f nodes %8.0f us per run%n",
          model, e.getKey(), e.getValue()[1], e.getValue()[0]);
    }
  }
}
