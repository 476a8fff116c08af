package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example of docs/engine.md, compiled and run. Keep the two in step. */
class DocsExampleTest {
  static float[] example(Path modelFile, float[] audio) throws IOException {
    // --- docs/engine.md example begins
    SessionOptions options = SessionOptions.builder().optIntraOpThreads(1).build();
    try (Session session = Session.open(modelFile, options)) {
      StreamSpec spec =
          StreamSpec.builder()
              .setAudioInput("x") // the float32 input that receives each chunk
              .setChunkSamples(4) // samples per process() call
              .addState("state", "state_out") // input <- output of the previous run
              .addOutput("y")
              .build();
      float[] y = new float[4];
      try (Stream stream = session.newStream(spec)) { // one per audio stream, one thread at a time
        for (int offset = 0; offset + 4 <= audio.length; offset += 4) {
          stream.process(audio, offset); // allocation-free in steady state
          stream.outputFloats("y").get(y); // valid until the next process()
        }
      }
      return y;
    }
    // --- docs/engine.md example ends
  }

  @Test
  void theDocsExampleRuns() throws IOException {
    float[] audio = new float[12];
    for (int i = 0; i < audio.length; i++) {
      audio[i] = i;
    }
    float[] y = example(TestModels.model("accumulator"), audio);
    assertEquals(0 + 4 + 8, y[0]);
    assertEquals(3 + 7 + 11, y[3]);
  }
}
