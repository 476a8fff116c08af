package dev.stapes.bench.jmh;

import dev.stapes.audio.internal.Pow2RealFft;
import dev.stapes.bench.rt.TestSignal;
import java.util.concurrent.TimeUnit;
import org.jtransforms.fft.FloatFFT_1D;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import pl.edu.icm.jlargearrays.ConcurrencyUtils;

/**
 * One real FFT of the sizes speech uses, Stapes' radix-4 {@link Pow2RealFft} against JTransforms'
 * split-radix {@code realForward} on the same frame of test signal. JTransforms transforms in
 * place, so its row includes the copy of the input that a caller keeping its frame needs.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FftBenchmark {
  /** The transform size. */
  @Param({"256", "512", "1024"})
  public int n;

  private float[] in;
  private float[] work;
  private float[] spectrum;
  private FloatFFT_1D jtransforms;
  private Pow2RealFft radix4;

  /** Plans both transforms on one frame of the test signal. */
  @Setup
  public void setUp() {
    ConcurrencyUtils.setNumberOfThreads(1);
    in = new float[n];
    System.arraycopy(TestSignal.generate(1, 16000), 0, in, 0, n);
    work = new float[n];
    spectrum = new float[n + 2];
    jtransforms = new FloatFFT_1D(n);
    radix4 = new Pow2RealFft(n);
  }

  /** JTransforms: copy the frame, transform in place (packed layout). */
  @Benchmark
  public float[] jtransformsRealForward() {
    System.arraycopy(in, 0, work, 0, n);
    jtransforms.realForward(work);
    return work;
  }

  /** Stapes' radix-4 transform into n/2+1 interleaved bins. */
  @Benchmark
  public float[] radix4Forward() {
    radix4.forward(in, 0, spectrum, 0);
    return spectrum;
  }
}
