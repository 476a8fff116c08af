package dev.stapes.bench.rt;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;

/**
 * Any Stapes {@link Pipeline} as the harness drives it: each chunk is pushed to one {@link
 * PipelineStream}; the checksum sums what the stream reports (chunk scores, the first sample of
 * each audio block, the first value of each feature frame). The one adapter between the harness and
 * the pipelines: a new pipeline needs none.
 */
final class StreamPipeline implements ChunkPipeline, PipelineSink {
  private final Pipeline pipeline;
  private final PipelineStream stream;
  private final int chunk;
  private double sum;

  /**
   * @param pipeline owned from now on: closed with this
   * @param chunk samples per chunk the harness pushes
   */
  StreamPipeline(Pipeline pipeline, int chunk) {
    this.pipeline = pipeline;
    this.chunk = chunk;
    PipelineStream s;
    try {
      s = pipeline.newStream(this);
    } catch (RuntimeException e) {
      pipeline.close();
      throw e;
    }
    this.stream = s;
  }

  @Override
  public String name() {
    return pipeline.name();
  }

  @Override
  public int sampleRate() {
    return pipeline.sampleRate();
  }

  @Override
  public int chunkSamples() {
    return chunk;
  }

  @Override
  public void process(float[] c) {
    try {
      stream.push(c, 0, chunk);
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  @Override
  public void onChunk(long endSample, float score) {
    sum += score + 1;
  }

  @Override
  public void onAudio(float[] samples, int offset, int length) {
    sum += samples[offset];
  }

  @Override
  public void onFrame(long index, float[] frame, int length) {
    sum += frame[0];
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    try {
      stream.close();
    } finally {
      pipeline.close();
    }
  }
}
