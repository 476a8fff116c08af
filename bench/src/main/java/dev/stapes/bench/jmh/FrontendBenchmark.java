package dev.stapes.bench.jmh;

import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.OnlineFeature;
import dev.stapes.bench.rt.TestSignal;
import java.util.concurrent.TimeUnit;
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

/**
 * Every frontend preset per frame, streaming: one hop of samples into {@link OnlineFeature}, the
 * frame that becomes ready read out, then popped. Each preset keeps its own settings (kaldi-fbank
 * computes in float64 with Povey window, DC removal and pre-emphasis; whisper uses a 400-point FFT;
 * mfcc adds a DCT), so only the log-mel presets compare directly with the C baseline.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FrontendBenchmark {
  /** The preset (all of {@link FeatureConfig#presetNames()}). */
  @Param({"kaldi-fbank", "whisper", "htk-mel", "mfcc"})
  public String preset;

  private OnlineFeature feature;
  private float[] signal;
  private float[] frame;
  private int hop;
  private int pos;

  /** Builds the stream and primes it up to its first frame. */
  @Setup
  public void setUp() {
    FeatureConfig config = FeatureConfig.preset(preset);
    feature = new OnlineFeature(config);
    frame = new float[feature.numBins()];
    hop = config.hop();
    signal = TestSignal.generate(2, config.sampleRate());
    while (feature.numFramesReady() == 0) {
      feature.acceptWaveform(signal, pos, hop);
      pos += hop;
    }
    feature.pop(feature.numFramesReady() - feature.firstFrameAvailable());
  }

  /** One hop in, the new frame(s) out and popped. */
  @Benchmark
  public float[] frame() {
    if (pos + hop > signal.length) {
      pos = 0;
    }
    feature.acceptWaveform(signal, pos, hop);
    pos += hop;
    long ready = feature.numFramesReady();
    for (long f = feature.firstFrameAvailable(); f < ready; f++) {
      feature.getFrame(f, frame);
    }
    feature.pop(ready - feature.firstFrameAvailable());
    return frame;
  }
}
