package dev.stapes.bench.jmh;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link InjectionBenchmark} (bound LoRA on all 72 Linear layers) with its rows timed call by call
 * in turn: base, bound, merged, ONNX Runtime's multi-LoRA path, switch then call. Its set-up checks
 * that bound, merged and ortLora agree. Runs with {@code
 * -Dstapes.bench.injection.interleaved=ROUNDS}.
 */
class InjectionBenchmarkTest {

  @Test
  void interleavedCallsGiveEachRowOverBase() throws Exception {
    String rounds = System.getProperty("stapes.bench.injection.interleaved");
    assumeTrue(rounds != null, "-Dstapes.bench.injection.interleaved=ROUNDS not set");
    InjectionBenchmark b = new InjectionBenchmark();
    try {
      b.setUp();
      Interleaved.run(
          "synthetic-12l",
          new String[] {"base", "bound", "merged", "ortLora", "taskSwitchAndCall"},
          new Interleaved.Row[] {b::base, b::bound, b::merged, b::ortLora, b::taskSwitchAndCall},
          Integer.parseInt(rounds));
    } finally {
      b.tearDown();
    }
  }
}
