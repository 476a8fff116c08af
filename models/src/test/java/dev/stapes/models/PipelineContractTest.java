package dev.stapes.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The streaming contract, as every pipeline keeps it: output independent of the chunking. */
class PipelineContractTest {

  /** Records everything a stream reports. */
  private static final class Recorder implements PipelineSink {
    final List<String> events = new ArrayList<>();
    final List<float[]> frames = new ArrayList<>();
    long chunks;

    @Override
    public void onEvent(PipelineEvent event) {
      events.add(event.toString());
    }

    @Override
    public void onChunk(long endSample, float score) {
      chunks++;
    }

    @Override
    public void onFrame(long index, float[] frame, int length) {
      assertEquals(frames.size(), index, "frames in order");
      frames.add(java.util.Arrays.copyOf(frame, length));
    }
  }

  private static Recorder run(Pipeline p, float[] audio, int block) throws Exception {
    Recorder r = new Recorder();
    try (PipelineStream s = p.newStream(r)) {
      for (int off = 0; off < audio.length; off += block) {
        s.push(audio, off, Math.min(block, audio.length - off));
      }
      s.endOfInput();
      assertEquals(audio.length, s.samplesPushed());
    }
    return r;
  }

  private static float[] tone(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 16000.0) + 1e-3 * ((i * 7919) % 13));
    }
    return x;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 160, 401, 4096})
  void featureFramesDoNotDependOnTheChunking(int block) throws Exception {
    float[] audio = tone(16000 + 123);
    try (Pipeline p = Pipelines.open("features", PipelineConfig.defaults())) {
      Recorder whole = run(p, audio, audio.length);
      Recorder chunked = run(p, audio, block);
      assertEquals(whole.frames.size(), chunked.frames.size());
      for (int i = 0; i < whole.frames.size(); i++) {
        assertArrayEquals(whole.frames.get(i), chunked.frames.get(i), "frame " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 333, 512, 5000})
  void speechSegmentsDoNotDependOnTheChunking(int block) throws Exception {
    TestModels.model("silero-vad-v5"); // skipped (failed under CI) when the model can't be fetched
    float[] audio = AudioFiles.readMono(TestModels.resource("speech/vad_sentences_16k.wav"), 16000);
    try (Pipeline p = Pipelines.open("vad", PipelineConfig.defaults())) {
      Recorder whole = run(p, audio, audio.length);
      Recorder chunked = run(p, audio, block);
      assertTrue(!whole.events.isEmpty(), "no speech found");
      assertEquals(whole.events, chunked.events);
      assertEquals(whole.chunks, chunked.chunks);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"features"})
  void aStreamRefusesUseAfterItsEndAndAfterClose(String name) throws Exception {
    try (Pipeline p = Pipelines.open(name, PipelineConfig.defaults())) {
      PipelineStream s = p.newStream(null);
      float[] x = tone(800);
      s.push(x, 0, x.length);
      s.endOfInput();
      s.endOfInput(); // a second call does nothing
      assertThrows(IllegalStateException.class, () -> s.push(x, 0, 1));
      s.reset();
      s.push(x, 0, x.length); // again after reset
      assertThrows(IllegalArgumentException.class, () -> s.push(x, 790, 20));
      s.close();
      s.close(); // idempotent
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.push(x, 0, 1));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"nope"})
  void anUnknownPipelineIsRefusedWithTheValidNames(String name) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Pipelines.open(name, PipelineConfig.defaults()));
    for (String n : List.of("vad", "wakeword", "kws", "enhance", "features")) {
      assertTrue(e.getMessage().contains(n), e.getMessage());
      assertTrue(Pipelines.names().contains(n), n);
    }
  }
}
