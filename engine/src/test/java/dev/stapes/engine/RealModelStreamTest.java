package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * On the real Silero VAD v5 model (when the model store has cached it; the engine never fetches
 * models, so this is skipped otherwise): a {@link Stream} (pinned outputs, ping-pong state,
 * context, int64 constant, symbolic dimensions resolved on the first chunk) gives bit-identical
 * probabilities to a plain loop that builds new tensors and carries state and context by hand.
 */
class RealModelStreamTest {
  static Path cached(String dir, String file) {
    String env = System.getenv("STAPES_CACHE");
    Path cache =
        env != null && !env.isEmpty()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "stapes");
    return cache.resolve(dir).resolve(file);
  }

  @Test
  void sileroStreamIsBitIdenticalToAPlainLoop() throws IOException {
    Path model = cached("silero-vad-v5", "silero_vad_v5.onnx");
    assumeTrue(Files.isRegularFile(model), "Silero VAD v5 is not cached (./stapes models fetch)");
    int chunk = 512;
    int context = 64;
    int chunks = 60;
    float[] audio = new float[chunk * chunks];
    Random r = new Random(1);
    for (int i = 0; i < audio.length; i++) {
      double tone = (i / chunk) % 3 == 0 ? 0.3 * Math.sin(i * 0.05) : 0;
      audio[i] = (float) (tone + 0.01 * r.nextGaussian());
    }
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput("input")
            .setChunkSamples(chunk)
            .optContextSamples(context)
            .addState("state", "stateN")
            .addConstantInt64("sr", 16000)
            .addOutput("output")
            .build();
    try (Session session = Session.open(model);
        Stream stream = session.newStream(spec);
        Tensor sr = Tensor.ofLongs(new long[] {16000})) {
      float[] state = new float[2 * 128];
      float[] window = new float[context + chunk];
      for (int c = 0; c < chunks; c++) {
        stream.process(audio, c * chunk);
        System.arraycopy(window, chunk, window, 0, context);
        System.arraycopy(audio, c * chunk, window, context, chunk);
        try (Tensor in = Tensor.ofFloats(window, 1, context + chunk);
            Tensor st = Tensor.ofFloats(state, 2, 1, 128);
            Session.Outputs o = session.run(Map.of("input", in, "state", st, "sr", sr))) {
          state = o.get("stateN").toFloats();
          assertEquals(
              o.get("output").toFloats()[0], stream.outputFloat("output", 0), "chunk " + c);
        }
      }
    }
  }
}
