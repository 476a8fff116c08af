package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.Tensor;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Injected models through the engine's Session and Stream: task switch by tensor swap. */
class EngineIntegrationTest {
  static final List<String> TASKS = List.of("base", "lora1", "all", "taskemb", "lora_stack");

  static InjectedModel whisper(Injector.Mode mode) throws Exception {
    Injector.Builder b = Injector.builder().model(Fixtures.modelPath("whisper")).mode(mode);
    for (String t : TASKS) {
      b.task(Fixtures.task("whisper", t));
    }
    return b.build();
  }

  static float[] row0(Fixtures.Npy x) {
    return x.row(0).data;
  }

  @Test
  void streamSwitchesTasksByRebindingPrebuiltTensors() throws Exception {
    InjectedModel m = whisper(Injector.Mode.BOUND);
    Fixtures.Npy x = Fixtures.input("whisper");
    float[] chunk = row0(x);
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput("mel")
            .setChunkSamples(chunk.length)
            .optAudioShape(1, x.shape[1], x.shape[2])
            .build();
    try (Session s = m.openSession("whisper+tasks", SessionOptions.defaults());
        TaskTensors tasks = TaskTensors.of(m);
        Stream stream = s.newStream(spec)) {
      for (int round = 0; round < 3; round++) {
        for (String t : TASKS) {
          tasks.bind(stream, t);
          stream.process(chunk, 0);
          float[] got = new float[chunk.length / 8 * 32];
          stream.outputFloats("encoder_out").get(got);
          Fixtures.Npy want = Fixtures.expected("whisper", t, "encoder_out").row(0);
          double err = Fixtures.maxAbsDiff(new Fixtures.Npy(want.shape, got), want);
          assertTrue(err <= Fixtures.tolerance(), t + " " + err);
        }
      }
      // A task switch allocates nothing and takes microseconds.
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      int n = 20000;
      for (int i = 0; i < n; i++) {
        tasks.bind(stream, TASKS.get(i % TASKS.size()));
      }
      long bytes = Long.MAX_VALUE;
      long ns = Long.MAX_VALUE;
      for (int round = 0; round < 3; round++) {
        long before = mx.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          tasks.bind(stream, TASKS.get(i % TASKS.size()));
        }
        ns = Math.min(ns, System.nanoTime() - t0);
        bytes = Math.min(bytes, mx.getCurrentThreadAllocatedBytes() - before);
      }
      System.out.printf(
          "task switch (whisper fixture, %d bound inputs): %.2f us per switch, %d bytes allocated over %d switches%n",
          m.boundValues("all").size(), ns / 1e3 / n, bytes, n);
      // Best of three rounds; a stray allocation by the JIT or the measuring itself is not per
      // switch.
      assertEquals(0, bytes / n, bytes + " bytes allocated by " + n + " task switches");
      assertTrue(ns / n < 1_000_000, "task switch took " + ns / n + " ns");
    }
  }

  @Test
  void scaleChangesThroughTheEngineTensorsAndMixedRowsRunInOneCall() throws Exception {
    InjectedModel m = whisper(Injector.Mode.PER_ROW);
    Fixtures.Npy x = Fixtures.input("whisper");
    try (Session s = m.openSession("whisper+rows", SessionOptions.defaults());
        TaskTensors tasks = TaskTensors.of(m);
        Tensor in = Tensor.ofFloats(x.data, x.shape);
        TaskTensors.TaskIndex idx = tasks.newTaskIndex((int) x.shape[0])) {
      String[] rows = {"all", "base", "lora1"};
      for (int i = 0; i < rows.length; i++) {
        idx.set(i, rows[i]);
      }
      tasks.setScale("lora1", "lora1", 0.5f);
      Map<String, Tensor> feeds = new HashMap<>();
      feeds.put("mel", in);
      idx.putInto(feeds);
      try (Session.Outputs out = s.run(feeds)) {
        float[] y = out.get("encoder_out").toFloats();
        String[] expect = {"all", "base", "lora1_scale0.5"};
        int per = y.length / rows.length;
        for (int i = 0; i < rows.length; i++) {
          float[] r = new float[per];
          System.arraycopy(y, i * per, r, 0, per);
          Fixtures.Npy want = Fixtures.expected("whisper", expect[i], "encoder_out").row(i);
          double err = Fixtures.maxAbsDiff(new Fixtures.Npy(want.shape, r), want);
          assertTrue(err <= Fixtures.tolerance(), rows[i] + " " + err);
        }
      }
    }
  }
}
