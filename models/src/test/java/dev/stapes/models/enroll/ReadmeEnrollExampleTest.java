package dev.stapes.models.enroll;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import dev.stapes.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's enrollment example, compiled and run (on a small corpus, with fewer copies). */
class ReadmeEnrollExampleTest {

  @TempDir Path tmp;

  @Test
  void theReadmeExampleEnrollsAndDetects() throws Exception {
    TestModels.model(ModelCatalog.OWW_EMBEDDING);
    TestModels.model(ModelCatalog.SILERO_VAD_V5);
    TestModels.model("oww-hey_jarvis");
    Path shared = TestModels.corpus("noise_1000ms.wav").getParent();
    Path corpus = tmp.resolve("corpus");
    Files.createDirectories(corpus.resolve("librispeech"));
    try (var s = Files.list(shared.resolve("librispeech"))) {
      for (Path p : s.sorted().limit(8).toList()) {
        Files.createSymbolicLink(corpus.resolve("librispeech").resolve(p.getFileName()), p);
      }
    }
    List<Path> wavs = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      wavs.add(TestModels.resource("enroll/hey_nova_take" + i + ".wav"));
    }
    Path taskFile = tmp.resolve("hey_nova.task");
    Enroller.Options options = Enroller.Options.defaults().withAugmentations(4);
    float[] audio = AudioFiles.readMono(TestModels.resource("enroll/hey_nova_take2.wav"), 16000);
    float[] padded = new float[audio.length + 2 * 24000];
    System.arraycopy(audio, 0, padded, 24000, audio.length);
    audio = padded;
    List<String> heard = new ArrayList<>();

    // --- README example begins
    ModelStore store = ModelStore.fromEnvironment();
    try (Enrollment e = Enrollment.open(store, corpus, List.of(), SessionOptions.defaults())) {
      List<float[]> takes = new ArrayList<>();
      for (Path wav : wavs) { // 3 to 5 takes; a bad one throws BadTakeException (one line)
        takes.add(e.check(AudioFiles.readMono(wav, 16000)).audio());
      }
      e.enroll("hey_nova", takes, options).task().write(taskFile);
    }
    WakeWordTask task = WakeWordTask.read(taskFile); // refuses corrupt files and other bases
    try (WakeWordModel model =
            WakeWordModel.open(
                store,
                List.of("hey_jarvis"), // pre-trained words, beside the enrolled ones
                new EnrolledWords(List.of(task)),
                MelSource.STAPES,
                SessionOptions.defaults());
        WakeWordStream stream = model.newStream()) {
      for (int off = 0; off + WakeWordStream.CHUNK <= audio.length; off += WakeWordStream.CHUNK) {
        stream.process(audio, off); // one embedding per 80 ms chunk, shared by every word
        for (int k = 0; k < model.keywords().size(); k++) {
          if (stream.score(k) >= 0.5f) { // 0.5 is each enrolled word's calibrated threshold
            heard.add(model.keywords().get(k));
          }
        }
      }
    }
    // --- README example ends

    assertTrue(heard.contains("hey_nova"), heard.toString());
  }
}
