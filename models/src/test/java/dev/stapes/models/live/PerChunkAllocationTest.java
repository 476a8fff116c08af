package dev.stapes.models.live;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import dev.stapes.models.TestModels;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The per-chunk paths of the pipelines allocate nothing of their own: per chunk they allocate no
 * more than the engine streams they run (whose only allocation is ONNX Runtime Java's own {@code
 * Result} per run, see the engine's StreamAllocationTest).
 */
class PerChunkAllocationTest {

  static final int N = 300;
  static final int WARMUP_ROUNDS = 6;

  /** Slack for JIT timing (code not yet compiled allocates what escape analysis later removes). */
  static final long SLACK = 8L * N;

  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  static float[] noise(int n) {
    float[] x = new float[n];
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
    }
    return x;
  }

  @Test
  void vadChunkAllocatesNoMoreThanItsEngineStream() throws Exception {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    float[] x = noise(512 * (N + 1));
    try (SileroVad vad =
            SileroVad.open(
                TestModels.model(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
        VadStream s = vad.newStream(16000);
        Stream raw = vad.session().newStream(ModelDescriptors.sileroVad(16000))) {
      float sink = 0;
      for (int k = 0; k < WARMUP_ROUNDS; k++) {
        for (int i = 0; i < N; i++) {
          sink += s.process(x, i * 512);
          raw.process(x, i * 512);
        }
      }
      long engine = 0;
      long stapes = Long.MAX_VALUE;
      // up to three measured rounds: code the JIT has not compiled yet on a loaded machine
      // allocates what escape analysis later removes; a real allocation shows in every round
      for (int round = 0; round < 3 && stapes > engine + SLACK; round++) {
        long t0 = allocated();
        for (int i = 0; i < N; i++) {
          raw.process(x, i * 512);
          sink += raw.outputFloat("output", 0);
        }
        engine = allocated() - t0;
        t0 = allocated();
        for (int i = 0; i < N; i++) {
          sink += s.process(x, i * 512);
        }
        stapes = allocated() - t0;
      }
      report("VAD chunk", stapes, engine, sink);
      assertTrue(stapes <= engine + SLACK, "VadStream " + stapes + " B vs engine " + engine + " B");
    }
  }

  @Test
  void wakeWordAndLivePipelineChunksAllocateNoMoreThanTheirEngineStreams() throws Exception {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    List<String> kws = List.of("alexa", "hey_mycroft");
    float[] x = noise(1280 * (N + 1));
    try (SileroVad vad =
            SileroVad.open(
                TestModels.model(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
        WakeWordModel model =
            WakeWordModel.open(
                null,
                TestModels.model(ModelCatalog.OWW_EMBEDDING),
                kws,
                List.of(TestModels.model("oww-alexa"), TestModels.model("oww-hey_mycroft")),
                null,
                MelSource.STAPES,
                SessionOptions.defaults());
        WakeWordStream s = model.newStream()) {
      float sink = 0;
      for (int k = 0; k < WARMUP_ROUNDS; k++) {
        for (int i = 0; i < N; i++) {
          s.process(x, i * 1280);
          sink += s.score(0);
        }
      }
      // what the engine streams alone allocate for the same number of runs
      long engine;
      try (Session emb =
              Session.open(
                  TestModels.model(ModelCatalog.OWW_EMBEDDING), SessionOptions.defaults());
          Session c1 = Session.open(TestModels.model("oww-alexa"), SessionOptions.defaults());
          Session c2 =
              Session.open(TestModels.model("oww-hey_mycroft"), SessionOptions.defaults());
          Stream e = emb.newStream(ModelDescriptors.owwEmbedding());
          Stream a = c1.newStream(ModelDescriptors.owwClassifier("onnx::Flatten_0", "13", 16));
          Stream b = c2.newStream(ModelDescriptors.owwClassifier("onnx::Flatten_0", "39", 16))) {
        float[] melWin = new float[76 * 32];
        float[] embWin = new float[16 * 96];
        for (int i = 0; i < N * WARMUP_ROUNDS; i++) {
          e.process(melWin, 0);
          a.process(embWin, 0);
          b.process(embWin, 0);
        }
        long t0 = allocated();
        for (int i = 0; i < N; i++) {
          e.process(melWin, 0);
          a.process(embWin, 0);
          b.process(embWin, 0);
          sink += a.outputFloat("13", 0) + b.outputFloat("39", 0);
        }
        engine = allocated() - t0;
      }
      long t0 = allocated();
      for (int i = 0; i < N; i++) {
        s.process(x, i * 1280);
        sink += s.score(0) + s.score(1);
      }
      long stapes = allocated() - t0;
      report("wake-word chunk", stapes, engine, sink);
      assertTrue(stapes <= engine + SLACK, "WakeWordStream " + stapes + " B vs engine " + engine);

      // the live pipeline adds nothing either: VAD + wake words per 1280 samples
      int[] events = {0};
      try (LivePipeline p =
          new LivePipeline(
              vad,
              model,
              SegmenterOptions.defaults(),
              0.5f,
              new ListenerEvents() {
                @Override
                public void speechStart(long startSample) {
                  events[0]++;
                }

                @Override
                public void speechEnd(long startSample, long endSample) {
                  events[0]++;
                }

                @Override
                public void wakeWord(String keyword, long endSample, float score) {
                  events[0]++;
                }
              })) {
        for (int i = 0; i < N; i++) {
          p.process(x, i * 1280, 1280);
        }
        p.reset();
        long t1 = allocated();
        for (int i = 0; i < N; i++) {
          p.process(x, i * 1280, 1280);
        }
        long live = allocated() - t1;
        System.out.printf(
            Locale.ROOT,
            "live pipeline: %.1f B per 80 ms of audio (VAD 2.5 runs + wake words 3 runs)%n",
            live / (double) N);
      }
    }
  }

  static void report(String what, long stapes, long engine, float sink) {
    System.out.printf(
        Locale.ROOT,
        "%s: Stapes %.1f B/chunk, engine streams alone %.1f B/chunk (sink %s)%n",
        what,
        stapes / (double) N,
        engine / (double) N,
        Float.isNaN(sink) ? "nan" : "ok");
  }
}
