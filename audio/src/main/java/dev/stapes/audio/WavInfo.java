package dev.stapes.audio;

import java.util.List;
import java.util.Locale;

/**
 * What the header of a WAV file (or the STREAMINFO block of a FLAC file) says, checked, plus what
 * was found while reading it.
 *
 * @param name the file name used in messages
 * @param formatTag the {@code wFormatTag} as stored (1 PCM, 3 IEEE float, 6 A-law, 7 mu-law, 0xFFFE
 *     extensible; 0xF1AC, {@code WAVE_FORMAT_FLAC}, for a FLAC file)
 * @param sampleFormat the decoded sample encoding (for extensible files, from the sub-format GUID)
 * @param sampleRate frames per second, in Hz
 * @param channels interleaved channels per frame, 1..256
 * @param bitsPerSample the container size of one sample in bits (8, 16, 24, 32 or 64); for FLAC the
 *     sample size, 4..32
 * @param frames the number of whole frames the reader delivers; {@code -1} only for a stream whose
 *     data chunk declares an unknown length (0xFFFFFFFF) and which has not been read to its end
 * @param declaredFrames the number of frames the data chunk declares, {@code -1} if unknown
 * @param truncated whether the data chunk declares more bytes than the file holds; the frames that
 *     are present are decoded
 * @param warnings one-line messages a command line may print (truncation, a trailing partial frame,
 *     an inconsistent block alignment); never null, immutable
 */
public record WavInfo(
    String name,
    int formatTag,
    SampleFormat sampleFormat,
    int sampleRate,
    int channels,
    int bitsPerSample,
    long frames,
    long declaredFrames,
    boolean truncated,
    List<String> warnings) {

  /** Copies {@code warnings} into an immutable list. */
  public WavInfo {
    warnings = List.copyOf(warnings);
  }

  /** Returns the duration in seconds, or {@code -1} if {@link #frames()} is unknown. */
  public double durationSeconds() {
    return frames < 0 ? -1 : frames / (double) sampleRate;
  }

  /** Returns a one-line summary such as {@code 'x.wav': PCM s16le, 2 ch, 44100 Hz, 1.500 s}. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "'%s': %s, %d ch, %d Hz, %d frames (%.3f s)%s",
        name,
        sampleFormat == SampleFormat.FLAC
            ? "FLAC " + bitsPerSample + "-bit"
            : sampleFormat.description(),
        channels,
        sampleRate,
        frames,
        durationSeconds(),
        truncated ? ", truncated" : "");
  }
}
