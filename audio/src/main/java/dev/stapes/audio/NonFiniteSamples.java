package dev.stapes.audio;

/** What {@link WavReader} does with a NaN or infinite sample in an IEEE float file. */
public enum NonFiniteSamples {
  /**
   * Throw a {@link WavFormatException} naming the frame and channel of the first such sample (the
   * default: a NaN would otherwise poison every feature and model output downstream).
   */
  REJECT,
  /** Replace each NaN or infinite sample by 0 and go on. */
  REPLACE_WITH_ZERO
}
