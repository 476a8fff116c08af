package dev.stapes.bench.rt;

import dev.stapes.bench.jmh.BenchModels;
import dev.stapes.engine.BatchRunner;
import dev.stapes.engine.Session;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import java.nio.file.Path;

/**
 * {@code lanes} Silero VAD v5 streams stepped together by one {@link BatchRunner} (one batched
 * model call per 32 ms chunk, one intra-op thread): what a service pays per chunk period for that
 * many listeners. Every lane gets the harness's chunk (the cost does not depend on the values); the
 * deadline is the chunk's duration, for all lanes together.
 */
final class VadBatchPipeline implements ChunkPipeline {
  /** The largest lane count the harness accepts. */
  static final int MAX_LANES = 4096;

  private final Session session;
  private final BatchRunner runner;
  private final BatchRunner.Lane[] lanes;
  private double sum;

  /**
   * @param lanes streams per step, 1 to {@value #MAX_LANES}
   * @param model the Silero VAD v5 file, or null for the store's
   */
  VadBatchPipeline(int lanes, Path model) {
    if (lanes < 1 || lanes > MAX_LANES) {
      throw new IllegalArgumentException(
          "pipeline=vad-batch-" + lanes + ", expected vad-batch-N with N in 1.." + MAX_LANES);
    }
    Path file = model != null ? model : BenchModels.store(ModelCatalog.SILERO_VAD_V5);
    session = Pipelines.oneThread(file);
    BatchRunner r;
    try {
      r = new BatchRunner(session, ModelDescriptors.sileroVad(16000), lanes);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
    runner = r;
    this.lanes = new BatchRunner.Lane[lanes];
    for (int i = 0; i < lanes; i++) {
      this.lanes[i] = runner.newLane();
    }
  }

  @Override
  public String name() {
    return "vad-batch-" + lanes.length;
  }

  @Override
  public int sampleRate() {
    return 16000;
  }

  @Override
  public int chunkSamples() {
    return ModelDescriptors.SILERO_CHUNK_16K;
  }

  @Override
  public void process(float[] chunk) {
    for (BatchRunner.Lane l : lanes) {
      l.push(chunk, 0);
    }
    runner.step();
    sum += lanes[lanes.length - 1].outputFloat("output", 0);
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    runner.close();
    session.close();
  }
}
