package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A quick per-call harness (not JMH): run with {@code -Dstapes.inject.timings=DIR}, where DIR holds
 * the output of {@code make_injection_fixtures.py --large DIR}; skipped otherwise. Prints a table
 * of p50 and mean per call for the base model, bound LoRA, merged LoRA, a task switch, a mixed-task
 * batch against its rows one by one, and the build time of an injected session.
 */
class InjectionTimingsTest {

  interface Call {
    void run() throws Exception;
  }

  static double[] time(Call c, int warm, int n) throws Exception {
    for (int i = 0; i < warm; i++) {
      c.run();
    }
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      c.run();
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    double mean = Arrays.stream(t).average().orElse(0);
    return new double[] {t[n / 2] / 1e3, mean / 1e3};
  }

  /** Runs a and b alternately (so that load changes hit both alike); p50 of each. */
  static double[] interleaved(Call a, Call b, int warm, int n) throws Exception {
    for (int i = 0; i < warm; i++) {
      a.run();
      b.run();
    }
    long[] ta = new long[n];
    long[] tb = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      a.run();
      long t1 = System.nanoTime();
      b.run();
      ta[i] = t1 - t0;
      tb[i] = System.nanoTime() - t1;
    }
    Arrays.sort(ta);
    Arrays.sort(tb);
    return new double[] {ta[n / 2] / 1e3, tb[n / 2] / 1e3};
  }

  static void row(String what, double[] v) {
    System.out.printf("| %-58s | %10.1f | %10.1f |%n", what, v[0], v[1]);
  }

  @Test
  void perCallFigures() throws Exception {
    String dir = System.getProperty("stapes.inject.timings");
    assumeTrue(dir != null && !dir.isEmpty(), "set -Dstapes.inject.timings=DIR to measure");
    Path d;
    if (dir.equals("synthetic")) {
      // No Python: the generated Whisper-like encoder of the same size, and two rank-8 LoRAs.
      d = Files.createTempDirectory("stapes-inject-timings");
      Files.write(
          d.resolve("whisper-large-bench.onnx"),
          SyntheticTransformer.whisperLike(12, 256, 4, 1024, 80, 1).toByteArray());
      SyntheticTransformer.randomLora("lora-qv-r8", 12, 256, 1024, 8, 16f, 2, "q_proj", "v_proj")
          .writePeft(d.resolve("lora-qv-r8"));
      SyntheticTransformer.randomLora(
              "lora-all-r8",
              12,
              256,
              1024,
              8,
              16f,
              3,
              "q_proj",
              "k_proj",
              "v_proj",
              "out_proj",
              "fc1",
              "fc2")
          .writePeft(d.resolve("lora-all-r8"));
      float[] mel = new float[100 * 80];
      for (int i = 0; i < mel.length; i++) {
        mel[i] = (float) Math.sin(i * 0.013);
      }
      dev.stapes.engine.Npy.writeFloat32(
          d.resolve("whisper-large-bench.input.npy"), mel, 1, 100, 80);
    } else {
      d = Path.of(dir);
    }
    Path model = d.resolve("whisper-large-bench.onnx");
    assumeTrue(Files.isRegularFile(model), "no " + model);
    int warm = Integer.getInteger("stapes.inject.warmup", 20);
    int n = Integer.getInteger("stapes.inject.runs", 100);
    SessionOptions opts = SessionOptions.builder().optIntraOpThreads(1).build();
    float[] mel = Fixtures.Npy.read(d.resolve("whisper-large-bench.input.npy")).data;
    long[] shape = {1, mel.length / 80, 80};
    LoraAdapter qv = LoraAdapter.readPeft(d.resolve("lora-qv-r8"));
    LoraAdapter all = LoraAdapter.readPeft(d.resolve("lora-all-r8"));
    System.out.println(
        "| call (whisper-like 12 layers, d_model 256, 100 frames, 1 thread) | p50 us | mean us |");
    System.out.println("|---|---:|---:|");
    try (Session base = Session.open(model, opts);
        Tensor x = Tensor.ofFloats(mel, shape)) {
      Map<String, Tensor> f = Map.of("mel", x);
      row("base model", time(() -> base.run(f).close(), warm, n));
      for (LoraAdapter l : List.of(qv, all)) {
        for (Injector.Mode mode : List.of(Injector.Mode.BOUND, Injector.Mode.BAKED)) {
          InjectedModel m =
              Injector.builder().model(model).mode(mode).task(Task.of("t", l)).build();
          try (Session s = m.openSession("m", opts);
              TaskTensors tt = TaskTensors.of(m)) {
            Map<String, Tensor> feeds = new HashMap<>(f);
            tt.putInto(feeds, "t");
            double[] ab =
                interleaved(() -> base.run(f).close(), () -> s.run(feeds).close(), warm, n);
            String what =
                (mode == Injector.Mode.BOUND ? "bound " : "merged ")
                    + l.name()
                    + " ("
                    + l.modules().size()
                    + " modules), p50 interleaved with base";
            System.out.printf(
                "| %-58s | %10.1f | base %.1f, ratio %.3f |%n", what, ab[1], ab[0], ab[1] / ab[0]);
          }
        }
      }
    }
    // Build time: injector + session, against a plain session.
    row("session open, no injection", time(() -> Session.open(model, opts).close(), 2, 10));
    row(
        "injector build + session open, bound lora-all-r8",
        time(
            () -> {
              InjectedModel m = Injector.builder().model(model).task(Task.of("t", all)).build();
              m.openSession("m", opts).close();
            },
            2,
            10));
    row(
        "injector build + session open, merged lora-all-r8",
        time(
            () -> {
              InjectedModel m =
                  Injector.builder()
                      .model(model)
                      .mode(Injector.Mode.BAKED)
                      .task(Task.of("t", all))
                      .build();
              m.openSession("m", opts).close();
            },
            2,
            10));
    // Mixed batch of 8 rows over 4 tasks against the rows one by one with task switches.
    String[] names = {"a", "b", "c", "d"};
    LoraAdapter[] ls = {qv, all, qv.withName("qv2"), all.withName("all2")};
    float[] mult = {1f, 1f, 0.5f, 0.5f};
    Injector.Builder rb = Injector.builder().model(model).mode(Injector.Mode.PER_ROW);
    Injector.Builder bb = Injector.builder().model(model);
    for (int i = 0; i < 4; i++) {
      rb.task(Task.builder(names[i]).add(ls[i], mult[i]).build());
      bb.task(Task.builder(names[i]).add(ls[i], mult[i]).build());
    }
    InjectedModel rows = rb.build();
    InjectedModel bound = bb.build();
    int batch = 8;
    float[] mel8 = new float[mel.length * batch];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(mel, 0, mel8, i * mel.length, mel.length);
    }
    try (Session rs = rows.openSession("rows", opts);
        TaskTensors rt = TaskTensors.of(rows);
        Tensor x8 = Tensor.ofFloats(mel8, batch, shape[1], shape[2]);
        TaskTensors.TaskIndex idx = rt.newTaskIndex(batch);
        Session bs = bound.openSession("bound", opts);
        TaskTensors bt = TaskTensors.of(bound);
        Tensor x1 = Tensor.ofFloats(mel, shape)) {
      for (int i = 0; i < batch; i++) {
        idx.set(i, names[i % 4]);
      }
      Map<String, Tensor> feeds = new HashMap<>();
      feeds.put("mel", x8);
      idx.putInto(feeds);
      Map<String, Tensor> one = new HashMap<>();
      one.put("mel", x1);
      double[] mb =
          interleaved(
              () -> rs.run(feeds).close(),
              () -> {
                for (int i = 0; i < batch; i++) {
                  bt.putInto(one, names[i % 4]);
                  bs.run(one).close();
                }
              },
              warm / 4 + 1,
              n / 4 + 1);
      System.out.printf(
          "| %-58s | %10.1f | rows one by one %.1f, ratio %.3f |%n",
          "mixed batch: 8 rows, 4 LoRA tasks, one call, interleaved", mb[0], mb[1], mb[0] / mb[1]);
      row(
          "task switch alone (putInto, " + bound.boundValues("a").size() + " bound inputs)",
          time(() -> bt.putInto(one, names[(int) (System.nanoTime() & 3)]), 1000, 10000));
    }
  }
}
