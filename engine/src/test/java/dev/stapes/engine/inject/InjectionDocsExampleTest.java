package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example of docs/injection.md, compiled and run. */
class InjectionDocsExampleTest {
  @Test
  void docsExampleRuns() throws Exception {
    Path dir = Path.of("src/test/resources/inject");
    float[] chunk = Fixtures.input("whisper").row(0).data; // 11 frames x 8 mel bins
    // --- docs/injection.md example begins
    LoraAdapter german = LoraAdapter.readPeft(dir.resolve("whisper/lora1"));
    LoraAdapter french = LoraAdapter.readPeft(dir.resolve("whisper/lora2"));
    BottleneckAdapter noisy = BottleneckAdapter.read(dir.resolve("whisper/bottleneck.safetensors"));
    InjectedModel model =
        Injector.builder()
            .model(dir.resolve("whisper.onnx"))
            .task(Task.of("base"))
            .task(Task.of("de", german))
            .task(Task.builder("fr-noisy").add(french).add(noisy, 0.5f).build())
            .build(); // Mode.BOUND: weights are graph inputs, tasks switch without a rebuild
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput("mel")
            .setChunkSamples(88)
            .optAudioShape(1, 11, 8)
            .build();
    try (Session session = model.openSession("whisper+adapters", SessionOptions.defaults());
        TaskTensors tasks = TaskTensors.of(model);
        Stream stream = session.newStream(spec)) {
      tasks.bind(stream, "de"); // task switch: swaps prebuilt tensors, allocates nothing
      stream.process(chunk, 0);
      float first = stream.outputFloat("encoder_out", 0);
      tasks.setScale("de", german.name(), 0.5f); // half-strength LoRA from the next chunk on
      tasks.bind(stream, "fr-noisy");
      stream.process(chunk, 0);
      // --- docs/injection.md example ends
      assertTrue(Float.isFinite(first) && Float.isFinite(stream.outputFloat("encoder_out", 0)));
    }
  }
}
