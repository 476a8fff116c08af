package dev.stapes.bench.rt;

import dev.stapes.bench.jmh.BenchModels;
import dev.stapes.engine.Session;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import java.nio.file.Path;

/**
 * KWT-1 (imported from TFLite) as a streaming keyword spotter: every hop (100 ms by default) the
 * last second of audio is classified, so each chunk is one model run over a 1 s window (chunk plus
 * carried context).
 */
public final class KwsPipeline implements ChunkPipeline {
  /** KWT-1's window: one second at 16 kHz. */
  public static final int WINDOW = 16000;

  private final Session session;
  private final Stream stream;
  private double sum;

  /**
   * @param model an ONNX KWT-1, or null to import the shared TFLite file
   * @param hopSamples samples per chunk (hop between windows), 1 to 16000
   */
  public KwsPipeline(Path model, int hopSamples) {
    if (hopSamples < 1 || hopSamples > WINDOW) {
      throw new IllegalArgumentException(
          "hop=" + hopSamples + " samples, expected 1 to " + WINDOW + " for pipeline 'kws'");
    }
    Path file = model != null ? model : BenchModels.kwt1();
    session = Pipelines.oneThread(file);
    String input = session.inputs().keySet().iterator().next();
    stream =
        session.newStream(
            StreamSpec.builder()
                .setAudioInput(input)
                .setChunkSamples(hopSamples)
                .optContextSamples(WINDOW - hopSamples)
                .optAudioShape(1, WINDOW)
                .build());
  }

  @Override
  public String name() {
    return "kws";
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
    stream.process(chunk);
    sum += stream.chunksProcessed();
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
