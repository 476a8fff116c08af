package dev.stapes.audio;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The named presets. To add one: write a method returning a builder and register it in {@link
 * #REGISTRY}; document it in docs/audio-dsp.md and add a parity fixture.
 */
final class Presets {
  private Presets() {}

  private static final Map<String, Supplier<FeatureConfig.Builder>> REGISTRY =
      new LinkedHashMap<>();

  static {
    REGISTRY.put("kaldi-fbank", Presets::kaldiFbank);
    REGISTRY.put("whisper", Presets::whisper);
    REGISTRY.put("htk-mel", Presets::htkMel);
    REGISTRY.put("mfcc", Presets::mfcc);
    REGISTRY.put("oww-mel", Presets::owwMel);
  }

  static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  static FeatureConfig.Builder builder(String name) {
    Supplier<FeatureConfig.Builder> s = name == null ? null : REGISTRY.get(name);
    if (s == null) {
      throw new IllegalArgumentException(
          "preset='" + name + "', expected one of " + REGISTRY.keySet());
    }
    return s.get().name(name);
  }

  /**
   * Kaldi {@code compute-fbank-feats} as torchaudio.compliance.kaldi.fbank computes it with {@code
   * num_mel_bins=80, dither=0}: int16-scaled samples, 25 ms Povey frames every 10 ms, snip-edges,
   * DC removal, pre-emphasis 0.97, FFT size the next power of two (512), power spectrum, 80 Kaldi
   * mel bins from 20 Hz to Nyquist, {@code ln(max(m, FLT_EPSILON))}. Computed in float64 (see
   * {@link Precision#FLOAT64}).
   */
  static FeatureConfig.Builder kaldiFbank() {
    return FeatureConfig.builder()
        .framing(Framing.KALDI)
        .nFft(0)
        .win(400)
        .hop(160)
        .window(Window.POVEY)
        .snipEdges(true)
        .inputScale(32768f)
        .removeDc(true)
        .preemphasis(0.97f)
        .power(2f)
        .nMels(80)
        .fmin(20)
        .fmax(0)
        .melScale(MelScale.KALDI)
        .melNorm(MelNorm.NONE)
        .log(LogKind.LN)
        .logFloor(Math.ulp(1.0f))
        .logOffset(0f)
        .precision(Precision.FLOAT64);
  }

  /**
   * Whisper's {@code log_mel_spectrogram} without the 30 s padding: n_fft 400, hop 160, periodic
   * Hann, centre with reflect padding, power, last frame dropped, 80 Slaney mel filters with Slaney
   * norm over 0-8 kHz, {@code log10(max(m, 1e-10))}, floored at the global max minus 8, then {@code
   * (x + 4) / 4}.
   */
  static FeatureConfig.Builder whisper() {
    return FeatureConfig.builder()
        .framing(Framing.TORCH)
        .nFft(400)
        .win(400)
        .hop(160)
        .window(Window.HANN_PERIODIC)
        .center(true)
        .padMode(PadMode.REFLECT)
        .dropLastFrame(true)
        .power(2f)
        .nMels(80)
        .fmin(0)
        .fmax(8000)
        .melScale(MelScale.SLANEY)
        .melNorm(MelNorm.SLANEY)
        .log(LogKind.LOG10)
        .logFloor(1e-10f)
        .topDb(8f)
        .outScale(0.25f)
        .outOffset(1f);
  }

  /**
   * torchaudio MelSpectrogram(n_fft=512, win_length=400, hop_length=160, n_mels=40, f_max=8000,
   * mel_scale="htk", norm=None), then {@code ln(m + 1e-6)}.
   */
  static FeatureConfig.Builder htkMel() {
    return FeatureConfig.builder()
        .framing(Framing.TORCH)
        .nFft(512)
        .win(400)
        .hop(160)
        .window(Window.HANN_PERIODIC)
        .center(true)
        .padMode(PadMode.REFLECT)
        .power(2f)
        .nMels(40)
        .fmin(0)
        .fmax(8000)
        .melScale(MelScale.HTK)
        .melNorm(MelNorm.NONE)
        .log(LogKind.LN)
        .logFloor(0f)
        .logOffset(1e-6f);
  }

  /**
   * torchaudio MFCC(n_mfcc=13, dct_type=2, norm="ortho", log_mels=False, melkwargs n_fft 400, hop
   * 160, n_mels 40, HTK, no norm): DCT of {@code 10 log10(max(m, 1e-10))} floored at max - 80 dB.
   */
  static FeatureConfig.Builder mfcc() {
    return FeatureConfig.builder()
        .framing(Framing.TORCH)
        .nFft(400)
        .win(400)
        .hop(160)
        .window(Window.HANN_PERIODIC)
        .center(true)
        .padMode(PadMode.REFLECT)
        .power(2f)
        .nMels(40)
        .fmin(0)
        .fmax(8000)
        .melScale(MelScale.HTK)
        .melNorm(MelNorm.NONE)
        .log(LogKind.DB)
        .logFloor(1e-10f)
        .topDb(80f)
        .nMfcc(13);
  }

  /**
   * openWakeWord's {@code melspectrogram.onnx} (16 kHz, int16-scaled samples): frames of 512
   * samples every 160 without centre padding, a periodic Hann window of 400 centred in each frame,
   * power spectrum, 32 Slaney mel filters with Slaney norm over 60-3800 Hz, {@code 10 log10(max(m,
   * 1e-10))}. The model also floors its output 80 dB below the maximum of each call (8 frames);
   * openWakeWord's pipeline applies that per chunk, and then {@code x / 10 + 2}.
   */
  static FeatureConfig.Builder owwMel() {
    return FeatureConfig.builder()
        .sampleRate(16000)
        .framing(Framing.TORCH)
        .nFft(512)
        .win(400)
        .hop(160)
        .window(Window.HANN_PERIODIC)
        .center(false)
        .inputScale(32768f)
        .power(2f)
        .nMels(32)
        .fmin(60)
        .fmax(3800)
        .melScale(MelScale.SLANEY)
        .melNorm(MelNorm.SLANEY)
        .log(LogKind.LOG10)
        .logFloor(1e-10f)
        .logOffset(0f)
        .outScale(10f)
        .outOffset(0f);
  }
}
