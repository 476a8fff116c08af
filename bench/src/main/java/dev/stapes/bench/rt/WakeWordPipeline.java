package dev.stapes.bench.rt;

import dev.stapes.engine.SessionOptions;
import dev.stapes.models.store.ModelStore;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import java.io.IOException;
import java.util.List;

/** openWakeWord (mel from Stapes' frontend, embedding, one classifier) per 80 ms chunk. */
final class WakeWordPipeline implements ChunkPipeline {
  private final WakeWordModel model;
  private final WakeWordStream stream;
  private final String name;
  private double sum;

  WakeWordPipeline(String keyword) {
    String k = keyword == null ? "hey_jarvis" : keyword;
    try {
      model =
          WakeWordModel.fromStore(
              ModelStore.fromEnvironment(),
              List.of(k),
              MelSource.STAPES,
              SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    } catch (IOException e) {
      throw new PipelineUnavailableException(
          "wake-word models unavailable (./stapes models fetch): " + e.getMessage(), e);
    }
    stream = model.newStream();
    name = "wakeword:" + k;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return 16000;
  }

  @Override
  public int chunkSamples() {
    return WakeWordStream.CHUNK;
  }

  @Override
  public void process(float[] chunk) {
    stream.process(chunk, 0);
    sum += stream.score(0);
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    stream.close();
    model.close();
  }
}
