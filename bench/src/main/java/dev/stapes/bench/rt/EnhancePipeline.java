package dev.stapes.bench.rt;

import dev.stapes.models.enhance.GtcrnDescriptor;
import dev.stapes.models.enhance.GtcrnModel;
import dev.stapes.models.enhance.SpeechEnhancer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * GTCRN speech enhancement through {@link SpeechEnhancer}, one 16 ms hop (256 samples) per chunk.
 */
final class EnhancePipeline implements ChunkPipeline {
  private final GtcrnModel model;
  private final SpeechEnhancer enhancer;
  private final float[] out = new float[2 * GtcrnDescriptor.HOP];
  private double sum;

  EnhancePipeline(Path file) {
    Path f = file != null ? file : defaultModel();
    try {
      model = GtcrnModel.load(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    enhancer = model.newEnhancer();
  }

  private static Path defaultModel() {
    Path shared = dev.stapes.bench.jmh.BenchModels.shared("models", "gtcrn", GtcrnDescriptor.FILE);
    if (Files.isRegularFile(shared)) {
      return shared;
    }
    return dev.stapes.bench.jmh.BenchModels.store(GtcrnDescriptor.STORE_NAME);
  }

  @Override
  public String name() {
    return "enhance";
  }

  @Override
  public int sampleRate() {
    return GtcrnDescriptor.SAMPLE_RATE;
  }

  @Override
  public int chunkSamples() {
    return GtcrnDescriptor.HOP;
  }

  @Override
  public void process(float[] chunk) {
    int n = enhancer.process(chunk, 0, chunk.length, out, 0);
    if (n > 0) {
      sum += out[0];
    }
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    enhancer.close();
    model.close();
  }
}
