package dev.stapes.bench.rt;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every pipeline the harness knows opens, runs and stays within its allocation budget. */
class PipelinesTest {

  static java.util.List<String> names() {
    return Pipelines.NAMES;
  }

  private static final boolean CI = "true".equals(System.getenv("CI"));

  private static PipelineSpec spec(String name) {
    if (name.equals("infer")) {
      Path root = Path.of(System.getProperty("stapes.root", ".."));
      return new PipelineSpec(
          "infer",
          32,
          null,
          root.resolve("bench/src/main/resources/dev/stapes/bench/jmh/identity.onnx"),
          null);
    }
    if (name.equals("hearable")) { // the committed tiny version of the Look Once to Hear model
      Path root = Path.of(System.getProperty("stapes.root", ".."));
      return new PipelineSpec(
          "hearable",
          0,
          null,
          root.resolve("engine/src/test/resources/dev/stapes/engine/loth/loth-tiny.onnx"),
          null);
    }
    return PipelineSpec.of(name);
  }

  @ParameterizedTest
  @MethodSource("names")
  void everyPipelineRunsWithoutAllocatingPerChunk(String name) {
    ChunkPipeline p;
    try {
      p = Pipelines.open(spec(name));
    } catch (PipelineUnavailableException e) {
      if (CI) {
        throw e;
      }
      assumeTrue(false, e.getMessage());
      return;
    }
    try (p) {
      float[] audio =
          TestSignal.generate(
              Math.max(1.0, 40.0 * p.chunkSamples() / p.sampleRate()), p.sampleRate());
      RtResult r = new Harness().run(p, audio, new HarnessOptions(1, 200, false, false));
      assertTrue(r.chunks() >= 40, r.summary());
      // ONNX Runtime's Java binding allocates a result object per run; Stapes' code nothing. Over
      // a short run the JIT's own transitions may count a few bytes; an array per chunk is 600+.
      // ORT's per-run objects grow with the number of inputs and outputs: the hearable model has
      // 17 and 16 (15 carried states), and JMH LothBenchmark shows ORT's own pinned run allocating
      // as much as the Stapes stream; the injected transformer has 121 inputs (120 bound LoRA
      // tensors)
      double limit =
          name.equals("synthetic") || name.equals("stft") || name.equals("features")
              ? 16
              : name.equals("hearable") || name.equals("injected") ? 4096 : 1024;
      assertTrue(r.allocBytesPerChunk() <= limit, name + ": " + r.summary());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"vad", "enhance"})
  void aFixedChunkPipelineRefusesAnotherChunkSize(String name) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Pipelines.open(PipelineSpec.of(name).withChunkMs(7)));
    assertTrue(e.getMessage().contains("chunk=7.0 ms"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.01, 10001})
  void aChunkOutsideOneSampleToTenSecondsIsRefused(double ms) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Pipelines.open(PipelineSpec.of("synthetic").withChunkMs(ms)));
    assertTrue(e.getMessage().contains("expected 1 sample to 10 s"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-1, Double.NaN})
  void aNegativeOrNanChunkIsRefusedRatherThanReplacedByTheDefault(double ms) {
    for (String name : new String[] {"synthetic", "vad"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Pipelines.open(PipelineSpec.of(name).withChunkMs(ms)));
      assertTrue(e.getMessage().contains("expected a positive duration"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"vad-batch-0", "vad-batch-4097", "vad-batch-x", "vad-batch--3"})
  void aBatchedVadOutsideOneToMaxLanesIsRefusedWithTheRange(String name) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Pipelines.open(PipelineSpec.of(name)));
    assertTrue(e.getMessage().contains("pipeline=" + name), e.getMessage());
    assertTrue(e.getMessage().contains("vad-batch-N with N in 1..4096"), e.getMessage());
  }

  @Test
  void aBatchedVadRefusesAnotherChunkSize() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Pipelines.open(PipelineSpec.of("vad-batch-8").withChunkMs(10)));
    assertTrue(e.getMessage().contains("takes 32 ms chunks"), e.getMessage());
  }
}
