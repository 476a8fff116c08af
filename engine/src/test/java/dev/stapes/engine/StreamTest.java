package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamTest {
  static Session accumulator;
  static Session context;

  @BeforeAll
  static void open() throws IOException {
    accumulator = Session.open(TestModels.model("accumulator"));
    context = Session.open(TestModels.model("context"));
  }

  @AfterAll
  static void close() {
    accumulator.close();
    context.close();
  }

  static StreamSpec accumulatorSpec() {
    return StreamSpec.builder()
        .setAudioInput("x")
        .setChunkSamples(4)
        .addState("state", "state_out")
        .addOutput("y")
        .build();
  }

  @Test
  void carriesStateFromOneRunToTheNext() {
    try (Stream s = accumulator.newStream(accumulatorSpec())) {
      float[] sum = new float[4];
      for (int n = 0; n < 7; n++) {
        float[] chunk = {n, 2 * n, -n, 0.5f};
        for (int i = 0; i < 4; i++) {
          sum[i] += chunk[i];
        }
        s.process(chunk);
        float[] y = new float[4];
        s.outputFloats("y").get(y);
        assertArrayEquals(sum, y, "chunk " + n);
        float[] state = new float[4];
        s.outputFloats("state_out").get(state);
        assertArrayEquals(sum, state);
      }
      assertEquals(7, s.chunksProcessed());
    }
  }

  @Test
  void startsFromAGivenInitialStateAndResetsToIt() {
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput("x")
            .setChunkSamples(4)
            .addState("state", "state_out", NpyArray.ofFloat32(new float[] {10, 20, 30, 40}, 1, 4))
            .build();
    try (Stream s = accumulator.newStream(spec)) {
      s.process(new float[] {1, 1, 1, 1});
      assertEquals(11f, s.outputFloat("y", 0));
      s.process(new float[] {1, 1, 1, 1});
      assertEquals(42f, s.outputFloat("y", 3));
      s.reset();
      assertEquals(0, s.chunksProcessed());
      s.process(new float[] {1, 1, 1, 1});
      assertEquals(21f, s.outputFloat("y", 1));
    }
  }

  @Test
  void manyStreamsShareOneSessionWithoutSharingState() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Float>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final float v = t;
        results.add(
            pool.submit(
                () -> {
                  try (Stream s = accumulator.newStream(accumulatorSpec())) {
                    for (int n = 0; n < 100; n++) {
                      s.process(new float[] {v, v, v, v});
                    }
                    return s.outputFloat("y", 2);
                  }
                }));
      }
      for (int t = 0; t < 8; t++) {
        assertEquals(100f * t, results.get(t).get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 7, 16})
  void prependsTheDeclaredContextForAnyChunking(int chunk) {
    int ctx = 3;
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput("audio")
            .setChunkSamples(chunk)
            .optContextSamples(ctx)
            .addState("count", "count_out")
            .addConstantInt64("sr", 16000)
            .build();
    try (Stream s = context.newStream(spec);
        Tensor gain = Tensor.ofFloats(new float[] {1f}, 1)) {
      s.bind("gain", gain);
      float[] signal = new float[chunk * 6];
      for (int i = 0; i < signal.length; i++) {
        signal[i] = (i + 1) * 0.01f;
      }
      for (int c = 0; c < 6; c++) {
        s.process(signal, c * chunk);
        FloatBuffer w = s.outputFloats("window");
        assertEquals(ctx + chunk, w.remaining());
        for (int i = 0; i < ctx + chunk; i++) {
          int src = c * chunk - ctx + i;
          float expected = src < 0 ? 0f : signal[src];
          assertEquals(expected, w.get(i), "chunk " + c + " index " + i);
        }
        assertEquals(c + 1L, s.output("count_out").data().getLong(0));
        assertEquals(16000f, s.outputFloat("rate", 0));
      }
    }
  }

  @Test
  void appliesTheInt16ScaleAndTheMetadataContract() {
    StreamSpec spec = context.streamSpecFromMetadata();
    assertEquals(StreamSpec.Scale.INT16, spec.scale());
    assertEquals(5, spec.chunkSamples());
    assertEquals(3, spec.contextSamples());
    try (Stream s = context.newStream(spec);
        Tensor gain = Tensor.ofFloats(new float[] {2f}, 1)) {
      assertEquals(java.util.Set.of("gain"), s.boundInputs());
      s.bind("gain", gain);
      s.process(new float[] {0.5f, -0.25f, 0, 0, 0});
      assertEquals(16384f, s.outputFloat("window", 3));
      assertEquals(2 * (16384f - 8192f), s.outputFloat("energy", 0));
    }
  }

  @Test
  void swapsBoundTensorsBetweenChunks() {
    try (Stream s = context.newStream(context.streamSpecFromMetadata());
        Tensor one = Tensor.ofFloats(new float[] {1f}, 1);
        Tensor three = Tensor.ofFloats(new float[] {3f}, 1)) {
      float[] chunk = {1 / 32768f, 0, 0, 0, 0};
      s.bind("gain", one);
      s.process(chunk);
      assertEquals(1f, s.outputFloat("energy", 0));
      s.bind("gain", three);
      s.process(chunk);
      assertEquals(3f, s.outputFloat("energy", 0)); // the first sample is out of the context
    }
  }

  @Test
  void readsTheBoundBufferAtRunTime() {
    try (Stream s = context.newStream(context.streamSpecFromMetadata());
        Tensor gain = Tensor.ofFloats(new float[] {1f}, 1)) {
      s.bind("gain", gain);
      float[] chunk = {1 / 32768f, 0, 0, 0, 0};
      s.process(chunk);
      assertEquals(1f, s.outputFloat("energy", 0));
      gain.writableFloats().put(0, 5f);
      s.reset();
      s.process(chunk);
      assertEquals(5f, s.outputFloat("energy", 0));
    }
  }

  @Test
  void refusesToRunWithAnUnboundInput() {
    try (Stream s = context.newStream(context.streamSpecFromMetadata())) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> s.process(new float[5]));
      assertTrue(e.getMessage().contains("gain"), e.getMessage());
    }
  }

  @Test
  void throwsAfterCloseAndClosesTwice() {
    Stream s = accumulator.newStream(accumulatorSpec());
    s.process(new float[4]);
    s.close();
    s.close();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> s.process(new float[4]));
    assertEquals("Stream is closed", e.getMessage());
    assertThrows(IllegalStateException.class, s::reset);
    assertThrows(IllegalStateException.class, () -> s.output("y"));
  }

  @Test
  void returnsTheSameOutputViewEveryChunk() {
    try (Stream s = accumulator.newStream(accumulatorSpec())) {
      s.process(new float[4]);
      FloatBuffer a = s.outputFloats("y");
      s.process(new float[4]);
      assertSame(a, s.outputFloats("y"));
    }
  }

  @Test
  void refusesASpecThatDoesNotFitTheModel() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                accumulator.newStream(
                    StreamSpec.builder().setAudioInput("audio").setChunkSamples(4).build()));
    assertEquals("Unknown input name audio, expected one of [x, state]", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                accumulator.newStream(
                    StreamSpec.builder().setAudioInput("x").setChunkSamples(5).build()));
    assertTrue(
        e.getMessage().contains("expected contextSamples + chunkSamples = 5"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                accumulator.newStream(
                    StreamSpec.builder()
                        .setAudioInput("x")
                        .setChunkSamples(4)
                        .addState("state", "nope")
                        .build()));
    assertEquals("Unknown output name nope, expected one of [y, state_out]", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                accumulator.newStream(
                    StreamSpec.builder()
                        .setAudioInput("x")
                        .setChunkSamples(4)
                        .addState("state", "state_out", NpyArray.ofFloat32(new float[3], 1, 3))
                        .build()));
    assertTrue(e.getMessage().contains("expected [1, 4]"), e.getMessage());
  }

  @Test
  void refusesBindingTheAudioOrAStateInput() {
    try (Stream s = accumulator.newStream(accumulatorSpec());
        Tensor t = Tensor.ofFloats(new float[4], 1, 4)) {
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> s.bind("x", t))
              .getMessage()
              .contains("audio input"));
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> s.bind("state", t))
              .getMessage()
              .contains("carries state"));
    }
  }

  @Test
  void refusesAShortChunkWithTheNumbers() {
    try (Stream s = accumulator.newStream(accumulatorSpec())) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> s.process(new float[6], 3));
      assertTrue(e.getMessage().contains("offset=3 length=6"), e.getMessage());
    }
  }

  @Test
  void failsClearlyOnceTheSessionIsClosed() throws IOException {
    Session session = Session.open(TestModels.model("accumulator"));
    Stream s = session.newStream(accumulatorSpec());
    s.process(new float[4]);
    session.close();
    assertEquals(
        "Session is closed",
        assertThrows(IllegalStateException.class, () -> s.process(new float[4])).getMessage());
    s.close();
  }

  @Test
  void streamsWithDifferentChunkSizesShareOneSession() {
    try (Stream a = context.newStream(context.streamSpecFromMetadata());
        Stream b =
            context.newStream(
                StreamSpec.builder()
                    .setAudioInput("audio")
                    .setChunkSamples(11)
                    .addConstantInt64("sr", 8000)
                    .addState("count", "count_out")
                    .build());
        Tensor gain = Tensor.ofFloats(new float[] {1f}, 1)) {
      a.bind("gain", gain);
      b.bind("gain", gain);
      a.process(new float[5]);
      b.process(new float[11]);
      assertEquals(8, a.outputFloats("window").remaining());
      assertEquals(11, b.outputFloats("window").remaining());
      assertEquals(8000f, b.outputFloat("rate", 0));
      assertEquals(16000f, a.outputFloat("rate", 0));
    }
  }

  @Test
  void learnsOutputShapesAgainWhenABoundInputChangesShape() throws IOException {
    try (Session session = Session.open(TestModels.model("bound_shape"));
        Stream s =
            session.newStream(
                StreamSpec.builder().setAudioInput("audio").setChunkSamples(3).build());
        Tensor two = Tensor.ofFloats(new float[] {1, 2}, 2);
        Tensor three = Tensor.ofFloats(new float[] {1, 2, 3}, 3)) {
      s.bind("task", two);
      s.process(new float[] {1, 1, 1});
      assertEquals(2, s.outputFloats("task_out").remaining());
      assertEquals(4f, s.outputFloat("task_out", 1));
      s.bind("task", three);
      s.process(new float[] {1, 1, 1});
      assertEquals(3, s.outputFloats("task_out").remaining());
      assertEquals(6f, s.outputFloat("task_out", 2));
      s.bind("task", two);
      s.process(new float[] {2, 2, 2});
      assertEquals(2, s.outputFloats("task_out").remaining());
      assertEquals(18f, s.outputFloat("y", 0));
    }
  }
}
