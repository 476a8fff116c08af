package dev.stapes.bench.rt;

import dev.stapes.bench.jmh.InjectionBenchmark;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Bound LoRA on every Linear layer of a transformer, one call per chunk, on one intra-op thread:
 * {@code InjectionBenchmark}'s 12-layer Whisper-like encoder (d_model 256, FFN 1024) with two
 * rank-8 tasks on all 72 Linear layers, bound (weights as graph inputs), task {@code a} active.
 * Each 500 ms chunk at 16 kHz (8000 samples) fills the model's {@code mel} input [1, 100, 80] as
 * is, a stand-in for 100 mel frames: the cost of a call does not depend on the values.
 */
public final class InjectedPipeline implements ChunkPipeline {
  /** The chunk: 8000 samples at 16 kHz, the size of the model's input. */
  static final double CHUNK_MS = 500;

  private final Session session;
  private final TaskTensors tasks;
  private final Stream stream;
  private final String output;
  private double sum;

  InjectedPipeline(double chunkMs) {
    if (chunkMs > 0 && chunkMs != CHUNK_MS) {
      throw new IllegalArgumentException(
          "chunk=" + chunkMs + " ms: pipeline 'injected' takes " + CHUNK_MS + " ms chunks");
    }
    InjectedModel model;
    try {
      model =
          Injector.builder()
              .model(InjectionBenchmark.baseModel())
              .mode(Injector.Mode.BOUND)
              .task(Task.of("a", InjectionBenchmark.allLinearLora("lora-a", 2)))
              .task(Task.of("b", InjectionBenchmark.allLinearLora("lora-b", 3)))
              .build();
      session =
          model.openSession(
              "injected",
              SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TaskTensors t = null;
    try {
      t = TaskTensors.of(model);
      stream = session.newStream(InjectionBenchmark.melSpec());
    } catch (RuntimeException e) {
      if (t != null) {
        t.close();
      }
      session.close();
      throw e;
    }
    tasks = t;
    tasks.bind(stream, "a");
    output = session.outputs().keySet().iterator().next();
  }

  @Override
  public String name() {
    return "injected";
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
    sum += stream.outputFloat(output, 0);
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    stream.close();
    tasks.close();
    session.close();
  }
}
