package dev.stapes.bench.jmh;

import dev.stapes.bench.rt.TestSignal;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import dev.stapes.store.ModelStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The openWakeWord pipeline per 80 ms chunk (1280 samples at 16 kHz): mel spectrogram, embedding
 * model, classifier ({@code hey_jarvis}), through Stapes' {@link WakeWordStream} on one thread. The
 * mel comes either from Stapes' own frontend ({@code STAPES}) or from openWakeWord's
 * melspectrogram.onnx through ONNX Runtime ({@code ONNX}, the reference implementation's path).
 * openWakeWord's pre-trained models are licensed for non-commercial use only.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class WakeWordBenchmark {
  /** Where the mel spectrogram comes from. */
  @Param({"ONNX", "STAPES"})
  public String mel;

  private WakeWordModel model;
  private WakeWordStream stream;
  private float[] signal;
  private int pos;

  /** Loads the models (fetched into the model store on first use). */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchModels.environment();
    model =
        WakeWordModel.open(
            ModelStore.fromEnvironment(),
            List.of("hey_jarvis"),
            null,
            MelSource.valueOf(mel),
            SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    stream = model.newStream();
    signal = TestSignal.generate(4, 16000);
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    stream.close();
    model.close();
  }

  /** One 80 ms chunk through mel, embedding and classifier. */
  @Benchmark
  public float chunk() {
    if (pos + WakeWordStream.CHUNK > signal.length) {
      pos = 0;
    }
    stream.process(signal, pos);
    pos += WakeWordStream.CHUNK;
    return stream.score(0);
  }
}
