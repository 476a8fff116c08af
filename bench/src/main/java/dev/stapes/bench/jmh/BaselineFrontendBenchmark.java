package dev.stapes.bench.jmh;

import dev.stapes.bench.rt.TestSignal;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Java reference of the frontend table: a plain loop over JTransforms' float FFT, per 10 ms
 * frame (log-mel, and the windowed FFT with power spectrum alone). The C baseline on FFTW doing the
 * same steps is {@code bench/src/main/c/logmel_fftw.c}, run by {@code bench/report.sh}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class BaselineFrontendBenchmark {
  private final LogMelLoop loop = new LogMelLoop();
  private float[] signal;
  private final float[] mel = new float[LogMelLoop.MELS];
  private final float[] power = new float[LogMelLoop.NFFT / 2 + 1];
  private int frame;
  private int frames;

  /** One second of test signal; frames cycle over it. */
  @Setup
  public void setUp() {
    signal = TestSignal.generate(1, LogMelLoop.RATE);
    frames = (signal.length - LogMelLoop.WIN) / 160;
  }

  private int nextOffset() {
    int f = frame;
    frame = f + 1 == frames ? 0 : f + 1;
    return f * 160;
  }

  /** Log-mel of one frame, plain JTransforms loop. */
  @Benchmark
  public float[] jtransformsLogMel() {
    loop.logMel(signal, nextOffset(), mel);
    return mel;
  }

  /** Window, FFT and power spectrum of one frame, plain JTransforms loop. */
  @Benchmark
  public float[] jtransformsPowerSpectrum() {
    loop.power(signal, nextOffset(), power);
    return power;
  }
}
