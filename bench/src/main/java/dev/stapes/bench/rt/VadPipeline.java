package dev.stapes.bench.rt;

import dev.stapes.bench.jmh.BenchModels;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.store.ModelCatalog;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.VadStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Silero VAD v5 through Stapes ({@link VadStream}), 512-sample chunks at 16 kHz, one thread. */
final class VadPipeline implements ChunkPipeline {
  private final SileroVad vad;
  private final VadStream stream;
  private double sum;

  VadPipeline(Path model) {
    Path file = model != null ? model : BenchModels.store(ModelCatalog.SILERO_VAD_V5);
    try {
      vad =
          SileroVad.open(
              file, SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stream = vad.newStream(16000);
  }

  @Override
  public String name() {
    return "vad";
  }

  @Override
  public int sampleRate() {
    return 16000;
  }

  @Override
  public int chunkSamples() {
    return stream.chunkSamples();
  }

  @Override
  public void process(float[] chunk) {
    sum += stream.process(chunk, 0);
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    stream.close();
    vad.close();
  }
}
