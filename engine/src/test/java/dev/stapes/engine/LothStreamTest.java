package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A Look Once to Hear class target-speech extractor (causal TF-GridNet, binaural, one 8 ms chunk
 * per call, 15 carried states) streams through a {@link Stream} built from the model's own {@code
 * stapes.*} metadata, with the speaker embedding as a bound input switched halfway. The reference
 * is onnxruntime Python streaming the same model over the same input ({@code
 * bench/src/main/python/make_loth_model.py --tiny --fixture}; the tiny version has the full model's
 * structure with small dimensions: n_fft 24, hop 16, look-ahead 8, D 8).
 */
class LothStreamTest {
  private static final double TOLERANCE = 1e-4;

  static Path resource(String name) {
    try {
      return Path.of(LothStreamTest.class.getResource("loth/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void streamEqualsOnnxRuntimePythonAcrossASpeakerSwitch() throws IOException {
    Map<?, ?> desc = (Map<?, ?>) Json.parse(Files.readString(resource("loth-tiny.onnx.json")));
    Map<?, ?> fixture = (Map<?, ?>) desc.get("fixture");
    int switchChunk = ((Double) fixture.get("speaker_switch_chunk")).intValue();
    float[] input = Npy.read(resource("loth-tiny.input.npy")).toFloatArray();
    float[] expected = Npy.read(resource("loth-tiny.expected.npy")).toFloatArray();
    try (Session session = Session.open(resource("loth-tiny.onnx"));
        Tensor spk0 = Tensor.of(Npy.read(resource("loth-tiny.spk0.npy")));
        Tensor spk1 = Tensor.of(Npy.read(resource("loth-tiny.spk1.npy")));
        Stream stream = session.newStream(session.streamSpecFromMetadata())) {
      assertEquals(Set.of("spk_emb"), stream.boundInputs());
      assertEquals(15, stream.spec().states().size());
      int chunk = stream.chunkSamples(); // interleaved floats: 16 frames x 2 ears
      int chunks = input.length / chunk;
      assertEquals(expected.length, chunks * chunk);
      stream.bind("spk_emb", spk0);
      double worst = 0;
      for (int c = 0; c < chunks; c++) {
        if (c == switchChunk) {
          stream.bind("spk_emb", spk1);
        }
        stream.process(input, c * chunk);
        FloatBuffer out = stream.outputFloats("out");
        assertEquals(chunk, out.remaining());
        for (int i = 0; i < chunk; i++) {
          double d = Math.abs(out.get(i) - expected[c * chunk + i]);
          worst = Math.max(worst, d);
          assertTrue(
              d <= TOLERANCE,
              "chunk " + c + " sample " + i + ": |diff| " + d + ", expected <= " + TOLERANCE);
        }
      }
      System.out.printf(
          "loth-tiny: %d chunks, max |diff| vs onnxruntime Python %.3g%n", chunks, worst);
    }
  }

  @Test
  void switchingTheSpeakerAllocatesNothing() throws IOException {
    assumeTrue(
        ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
        "needs com.sun.management.ThreadMXBean");
    try (Session session = Session.open(resource("loth-tiny.onnx"));
        Tensor spk0 = Tensor.of(Npy.read(resource("loth-tiny.spk0.npy")));
        Tensor spk1 = Tensor.of(Npy.read(resource("loth-tiny.spk1.npy")));
        Stream stream = session.newStream(session.streamSpecFromMetadata())) {
      stream.bind("spk_emb", spk0);
      for (int i = 0; i < 20_000; i++) { // warm up the JIT
        stream.bind("spk_emb", (i & 1) == 0 ? spk0 : spk1);
      }
      int n = 10_000;
      long least = Long.MAX_VALUE;
      for (int round = 0; round < 5; round++) {
        long before = StreamAllocationTest.allocated();
        for (int i = 0; i < n; i++) {
          stream.bind("spk_emb", (i & 1) == 0 ? spk0 : spk1);
        }
        least = Math.min(least, StreamAllocationTest.allocated() - before);
      }
      assertTrue(least / (double) n < 16, "bind allocates " + least / (double) n + " bytes");
    }
  }

  /** The full-size model, when generated into {@code ../shared/models/loth} (not committed). */
  @Test
  void fullModelStreamsFromItsMetadata() throws IOException {
    Path model = Path.of("..", "..", "shared", "models", "loth", "loth.onnx");
    if (!Files.isRegularFile(model)) {
      model = Path.of("..", "shared", "models", "loth", "loth.onnx");
    }
    assumeTrue(
        Files.isRegularFile(model),
        "loth.onnx is not generated (bench/src/main/python/make_loth_model.py)");
    try (Session session = Session.open(model);
        Tensor spk = Tensor.zeros(ElementType.FLOAT, 1, 256);
        Stream stream = session.newStream(session.streamSpecFromMetadata())) {
      assertEquals(256, stream.chunkSamples());
      assertEquals(192 * 2, stream.spec().windowSamples());
      stream.bind("spk_emb", spk);
      float[] audio = new float[stream.chunkSamples() * 4];
      for (int i = 0; i < audio.length; i++) {
        audio[i] = (float) (0.1 * Math.sin(i * 0.01));
      }
      for (int c = 0; c < 4; c++) {
        stream.process(audio, c * stream.chunkSamples());
      }
      assertEquals(256, stream.outputFloats("out").remaining());
      assertEquals(4, stream.chunksProcessed());
    }
  }
}
