package dev.stapes.bench.rt;

import dev.stapes.engine.Session;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.ValueInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any ONNX model through Stapes' engine, one {@link Stream#process} per chunk, on one intra-op
 * thread. The streaming contract comes from the model's {@code stapes.*} metadata; a model without
 * it must have a single float input, which receives each chunk as {@code [1, chunk]}.
 */
public final class InferPipeline implements ChunkPipeline {
  private final Session session;
  private final Stream stream;
  private final int rate;
  private final String name;
  private double sum;

  InferPipeline(Path model, double chunkMs) {
    if (!Files.isRegularFile(model)) {
      throw new PipelineUnavailableException("--model " + model + ": no such file");
    }
    session = Pipelines.oneThread(model);
    try {
      StreamSpec spec = session.streamSpecFromMetadata();
      int r = spec != null && spec.sampleRate() > 0 ? spec.sampleRate() : 16000;
      if (spec == null) {
        if (session.inputs().size() != 1) {
          throw new IllegalArgumentException(
              "--model "
                  + model
                  + " has inputs "
                  + session.inputs().keySet()
                  + " and no stapes.* streaming metadata; expected one float input");
        }
        String input = session.inputs().keySet().iterator().next();
        ValueInfo info = session.inputs().get(input);
        int chunk = Pipelines.samples(PipelineSpec.of("infer").withChunkMs(chunkMs), 32, r);
        spec =
            StreamSpec.builder()
                .setAudioInput(input)
                .setChunkSamples(chunk)
                .optAudioShape(1, chunk)
                .build();
        if (info == null) {
          throw new IllegalStateException("no type for input " + input);
        }
      }
      this.rate = r;
      this.stream = session.newStream(spec);
      this.name = "infer:" + model.getFileName();
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return rate;
  }

  @Override
  public int chunkSamples() {
    return stream.chunkSamples();
  }

  @Override
  public void process(float[] chunk) {
    stream.process(chunk);
    sum += stream.chunksProcessed();
  }

  /** The first float of the first output, for tests. */
  FloatBuffer firstOutput() {
    return stream.outputFloats(session.outputs().keySet().iterator().next());
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    stream.close();
    session.close();
  }
}
