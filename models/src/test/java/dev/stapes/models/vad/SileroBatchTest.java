package dev.stapes.models.vad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.BatchRunner;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import dev.stapes.models.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Silero VAD v5 stepped in batches across streams: every stream's speech probability per chunk
 * equals its solo {@link Stream} run, on real LibriSpeech utterances of different lengths.
 */
class SileroBatchTest {

  static List<float[]> utterances(int n) throws IOException {
    // skipped (failed under CI) when the corpus is absent
    Path dir = TestModels.corpus("librispeech/103-1240-0000.wav").getParent();
    List<Path> files;
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".wav")).sorted().collect(Collectors.toList());
    }
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < n && i < files.size(); i++) {
      float[] a = AudioFiles.readMono(files.get(i), 16000);
      // at most 4 s each keeps the test short
      out.add(java.util.Arrays.copyOf(a, Math.min(a.length, 4 * 16000)));
    }
    return out;
  }

  @ParameterizedTest(name = "maxBatch={0}")
  @ValueSource(ints = {1, 7, 32})
  void batchedStreamsEqualTheirSoloRuns(int maxBatch) throws Exception {
    List<float[]> audio = utterances(12);
    Path model = TestModels.model(ModelCatalog.SILERO_VAD_V5);
    try (Session s = Session.open(model, SessionOptions.defaults());
        BatchRunner runner = new BatchRunner(s, ModelDescriptors.sileroVad(16000), maxBatch)) {
      int chunk = ModelDescriptors.SILERO_CHUNK_16K;
      List<Stream> solo = new ArrayList<>();
      List<BatchRunner.Lane> lanes = new ArrayList<>();
      for (int i = 0; i < audio.size(); i++) {
        solo.add(s.newStream(ModelDescriptors.sileroVad(16000)));
        lanes.add(runner.newLane());
      }
      double max = 0;
      long compared = 0;
      for (int c = 0; ; c++) {
        List<Integer> pushed = new ArrayList<>();
        for (int i = 0; i < audio.size(); i++) {
          if ((c + 1) * chunk <= audio.get(i).length) {
            lanes.get(i).push(audio.get(i), c * chunk);
            solo.get(i).process(audio.get(i), c * chunk);
            pushed.add(i);
          }
        }
        if (pushed.isEmpty()) {
          break;
        }
        assertEquals(pushed.size(), runner.step());
        for (int i : pushed) {
          float want = solo.get(i).outputFloat("output", 0);
          float got = lanes.get(i).outputFloat("output", 0);
          max = Math.max(max, Math.abs(want - got));
          compared++;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "Silero batched (max %d) vs solo: %d chunks over %d streams, max |diff| %.2e%n",
          maxBatch,
          compared,
          audio.size(),
          max);
      assertTrue(compared > 1000, "compared " + compared);
      assertEquals(0.0, max, "batched and solo runs differ");
      for (Stream st : solo) {
        st.close();
      }
    }
  }
}
