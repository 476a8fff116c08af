package dev.stapes.models.wakeword;

/** Which mel spectrogram the wake-word pipeline uses. */
public enum MelSource {
  /** Stapes' own frontend, the {@code oww-mel} preset of {@code dev.stapes.audio}. */
  STAPES,
  /** openWakeWord's {@code melspectrogram.onnx} run through ONNX Runtime. */
  ONNX
}
