package dev.stapes.models.enroll;

import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.vad.VoiceActivityDetector;
import java.util.List;
import java.util.Locale;

/**
 * Checks one enrollment take and trims it to the word: Silero VAD finds the speech; a take is
 * refused, with one line saying why, when it is clipped, too quiet, has no speech or is too long
 * for the detector's 1.28 s window.
 */
public final class TakeCheck {

  /** A refused take; the message is one line. */
  public static final class BadTakeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** With a one-line message. */
    public BadTakeException(String message) {
      super(message);
    }
  }

  /** A take that passed: the trimmed word and what was measured. */
  public record Take(float[] audio, double speechSeconds, double peakDbfs) {}

  /** Samples at or above this magnitude count as clipped. */
  public static final float CLIP_LEVEL = 0.99f;

  /** A take is clipped when more than this fraction of its samples are. */
  public static final double CLIP_FRACTION = 0.0005;

  /** A take whose peak is below this is too quiet (dBFS). */
  public static final double MIN_PEAK_DBFS = -30;

  /** The longest word accepted (seconds of speech); the window is 1.28 s. */
  public static final double MAX_SPEECH_SECONDS = 1.6;

  /** The longest take accepted (seconds of audio). */
  public static final double MAX_TAKE_SECONDS = 10;

  /** Audio kept before and after the speech, in seconds. */
  public static final double KEEP_SECONDS = 0.05;

  private TakeCheck() {}

  /**
   * Checks {@code audio} (16 kHz mono) and returns the trimmed word.
   *
   * @throws BadTakeException with one line for a take that is clipped, too quiet, too long or has
   *     no speech
   */
  public static Take check(float[] audio, VadStream vad) throws BadTakeException {
    double seconds = audio.length / 16000.0;
    if (seconds > MAX_TAKE_SECONDS) {
      throw new BadTakeException(
          String.format(
              Locale.ROOT,
              "too long: %.1f s of audio, expected at most %.0f s holding the word once",
              seconds,
              MAX_TAKE_SECONDS));
    }
    int clipped = 0;
    float peak = 0;
    for (float v : audio) {
      float a = Math.abs(v);
      peak = Math.max(peak, a);
      if (a >= CLIP_LEVEL) {
        clipped++;
      }
    }
    double peakDb = 20 * Math.log10(Math.max(peak, 1e-10));
    if (clipped > CLIP_FRACTION * audio.length) {
      throw new BadTakeException(
          String.format(
              Locale.ROOT,
              "clipped: %d samples (%.2f%%) at full scale; record again further from the"
                  + " microphone or with less gain",
              clipped,
              100.0 * clipped / Math.max(1, audio.length)));
    }
    if (peakDb < MIN_PEAK_DBFS) {
      throw new BadTakeException(
          String.format(
              Locale.ROOT,
              "too quiet: peak %.1f dBFS, expected at least %.0f dBFS; speak closer or raise the"
                  + " gain",
              peakDb,
              MIN_PEAK_DBFS));
    }
    List<SpeechSegment> segs =
        VoiceActivityDetector.segments(vad, audio, SegmenterOptions.defaults());
    if (segs.isEmpty()) {
      throw new BadTakeException("no speech found by Silero VAD; say the word clearly once");
    }
    long start = segs.get(0).startSample();
    long end = segs.get(segs.size() - 1).endSample();
    double speech = (end - start) / 16000.0;
    if (speech > MAX_SPEECH_SECONDS) {
      throw new BadTakeException(
          String.format(
              Locale.ROOT,
              "too long: %.2f s of speech, expected a word of at most %.1f s (the detector's"
                  + " window is 1.28 s)",
              speech,
              MAX_SPEECH_SECONDS));
    }
    int keep = (int) (KEEP_SECONDS * 16000);
    int from = (int) Math.max(0, start - keep);
    int to = (int) Math.min(audio.length, end + keep);
    return new Take(java.util.Arrays.copyOfRange(audio, from, to), speech, peakDb);
  }
}
