package dev.stapes.bench.jmh;

import dev.stapes.audio.RealFft;
import dev.stapes.audio.StftConfig;
import dev.stapes.audio.StreamingStft;
import dev.stapes.audio.Window;
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
 * Stapes' STFT alone, per 10 ms frame at 16 kHz: the streaming STFT (a 400-sample Hann window in a
 * 512-point frame, hop 160: push one hop, read the new frame, pop it) and the bare 512-point real
 * FFT. Compare with {@code BaselineFrontendBenchmark.jtransformsPowerSpectrum}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StftBenchmark {
  private static final int HOP = 160;

  private float[] signal;
  private StreamingStft stft;
  private RealFft fft;
  private float[] frame;
  private final float[] fftIn = new float[512];
  private final float[] fftOut = new float[2 * 257];
  private int pos;

  /**
   * Plans the transforms and primes the STFT with one frame of samples (torch frames span nFft
   * samples).
   */
  @Setup
  public void setUp() {
    signal = TestSignal.generate(1, 16000);
    stft =
        new StreamingStft(
            StftConfig.builder()
                .nFft(512)
                .win(400)
                .hop(HOP)
                .window(Window.HANN_PERIODIC)
                .center(false)
                .build());
    frame = new float[stft.frameLength()];
    stft.acceptWaveform(signal, 0, 512 - HOP);
    pos = 512 - HOP;
    fft = new RealFft(512);
    System.arraycopy(signal, 0, fftIn, 0, 512);
  }

  /** One hop in, one frame out (interleaved complex bins), frame popped. */
  @Benchmark
  public float[] streamingStftFrame() {
    if (pos + HOP > signal.length) {
      pos = 0;
    }
    stft.acceptWaveform(signal, pos, HOP);
    pos += HOP;
    long f = stft.numFramesReady() - 1;
    stft.getFrame(f, frame);
    stft.pop(stft.numFramesReady() - stft.firstFrameAvailable());
    return frame;
  }

  /** The bare 512-point real FFT. */
  @Benchmark
  public float[] realFft512() {
    fft.forward(fftIn, fftOut);
    return fftOut;
  }
}
