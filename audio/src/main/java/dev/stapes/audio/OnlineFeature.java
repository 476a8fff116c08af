package dev.stapes.audio;

import dev.stapes.audio.internal.OnlineFrames;

/**
 * Streaming feature extraction in the style of kaldi-native-fbank's {@code OnlineFeature}: feed
 * samples in any chunking with {@link #acceptWaveform}, read frames by absolute index with {@link
 * #getFrame}, discard old ones with {@link #pop}, end with {@link #inputFinished()}.
 *
 * <p>Equivalence: every frame is computed from the same samples by the same code whatever the
 * chunking, so the frames are bit-identical to {@link FeatureExtractor#compute} — for one sample at
 * a time, primes or random splits. A frame is computed as soon as all samples it reads have arrived
 * (with centre padding, frame 0 also needs the samples its left reflection mirrors); frames that
 * reach past the end (their padding mirrors the last samples) are computed at {@link
 * #inputFinished()}.
 *
 * <p>The one exception is a floor relative to the global maximum ({@link
 * FeatureConfig#hasGlobalFloor()}: Whisper's {@code max - 8}, the MFCC's {@code top_db}), which no
 * causal process can know. In {@link FloorMode#RUNNING} (the default) such configs are floored
 * against the maximum of the frames so far: identical to offline wherever the floor does not bite
 * or the maximum is already reached. In {@link FloorMode#DEFERRED} frames are emitted unfloored
 * (log-mel, {@code nMels} wide, before any DCT) and {@link FeatureExtractor#finish} floors them
 * once the input is complete, which is exactly the offline result.
 *
 * <p>Cost model: buffers are made in the constructor; a frame costs one FFT and allocates nothing.
 * Computed frames are kept until popped (the store doubles when full, so pop as you go in a
 * long-running stream). One thread at a time.
 */
public final class OnlineFeature {
  /** How a global floor is handled in a stream. */
  public enum FloorMode {
    /** Floor against the running maximum over frames so far (causal). */
    RUNNING,
    /** Emit unfloored log-mel; floor with {@link FeatureExtractor#finish} at the end. */
    DEFERRED
  }

  private static final String NAME = "OnlineFeature";
  private final FeatureConfig config;
  private final OnlineFrames frames;
  private final FloorMode floorMode;

  /** A stream with {@link FloorMode#RUNNING}. */
  public OnlineFeature(FeatureConfig config) {
    this(config, FloorMode.RUNNING);
  }

  public OnlineFeature(FeatureConfig config, FloorMode floorMode) {
    this(config, floorMode, 16);
  }

  OnlineFeature(FeatureConfig config, FloorMode floorMode, int initialFrames) {
    this.config = config;
    this.floorMode = floorMode;
    this.frames =
        new OnlineFrames(
            config.geometry(),
            new FeaturePipeline(config, floorMode == FloorMode.DEFERRED),
            initialFrames);
  }

  public FeatureConfig config() {
    return config;
  }

  public FloorMode floorMode() {
    return floorMode;
  }

  /**
   * Values per frame ({@code nMels} for a deferred global floor, else {@link
   * FeatureConfig#numBins()}).
   */
  public int numBins() {
    return frames.width();
  }

  /**
   * Appends {@code x[off .. off+len)}, samples at {@link FeatureConfig#sampleRate()} in [-1, 1]
   * (scaled by the config's {@code inputScale}), and computes every frame that becomes ready.
   *
   * @throws IllegalStateException after {@link #inputFinished()}
   */
  public void acceptWaveform(float[] x, int off, int len) {
    frames.accept(x, off, len, NAME);
  }

  public void acceptWaveform(float[] x) {
    acceptWaveform(x, 0, x.length);
  }

  /** Declares the end of the input and computes the last frames. Idempotent. */
  public void inputFinished() {
    frames.inputFinished();
  }

  public boolean isInputFinished() {
    return frames.isInputFinished();
  }

  /** Absolute number of samples accepted so far. */
  public long numSamplesAccepted() {
    return frames.numSamplesAccepted();
  }

  /** Absolute number of frames computed so far (popped ones included). */
  public long numFramesReady() {
    return frames.numFramesReady();
  }

  /** Index of the oldest frame still held (frames before it were popped). */
  public long firstFrameAvailable() {
    return frames.firstFrameAvailable();
  }

  /**
   * Copies frame {@code frameIndex} into {@code dst[dstOff .. dstOff + numBins())}.
   *
   * @throws IllegalArgumentException if the frame is not ready or was popped, or dst is too small
   */
  public void getFrame(long frameIndex, float[] dst, int dstOff) {
    frames.getFrame(frameIndex, dst, dstOff, NAME);
  }

  public void getFrame(long frameIndex, float[] dst) {
    getFrame(frameIndex, dst, 0);
  }

  /** Discards the {@code n} oldest held frames. */
  public void pop(long n) {
    frames.pop(n, NAME);
  }
}
