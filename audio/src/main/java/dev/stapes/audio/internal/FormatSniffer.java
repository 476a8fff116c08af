package dev.stapes.audio.internal;

import java.util.Locale;

/**
 * Tells audio formats apart by their first bytes: the ones Stapes decodes (WAV, FLAC) and the
 * common ones it does not (MP3, Ogg, ...), which are refused with a converter command.
 */
public final class FormatSniffer {
  /** The bytes {@link #unsupported} looks at. */
  public static final int HEAD_BYTES = 12;

  private FormatSniffer() {}

  /** Returns whether the bytes start with the FLAC stream marker {@code fLaC}. */
  public static boolean isFlac(byte[] h, int n) {
    return n >= 4 && h[0] == 'f' && h[1] == 'L' && h[2] == 'a' && h[3] == 'C';
  }

  /**
   * Returns the total size of an ID3v2 tag starting the bytes (header, body and footer), or -1 if
   * they do not start with one.
   */
  public static long id3v2Size(byte[] h, int n) {
    if (n < 10 || h[0] != 'I' || h[1] != 'D' || h[2] != '3') {
      return -1;
    }
    if (((h[6] | h[7] | h[8] | h[9]) & 0x80) != 0) {
      return -1; // not a synchsafe size
    }
    long size =
        ((h[6] & 0x7FL) << 21) | ((h[7] & 0x7F) << 14) | ((h[8] & 0x7F) << 7) | (h[9] & 0x7F);
    boolean footer = (h[5] & 0x10) != 0;
    return 10 + size + (footer ? 10 : 0);
  }

  /**
   * Names the format of a file Stapes cannot decode from its first bytes, or returns null where
   * they are not one of the formats known here (then the WAV reader says what it expected).
   *
   * @param h the first bytes
   * @param n how many there are
   * @param afterId3 whether an ID3v2 tag came before them
   * @return e.g. {@code "MP3"}, or null
   */
  public static String unsupported(byte[] h, int n, boolean afterId3) {
    if (n >= 2 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xE0) == 0xE0) {
      // MPEG audio frame sync; layer bits 00 with MPEG-4/2 ADTS is AAC
      return (h[1] & 0x06) == 0 ? "AAC (ADTS)" : "MP3 (MPEG audio)";
    }
    if (afterId3) {
      return "MP3 (it starts with an ID3 tag)";
    }
    if (starts(h, n, 0, "OggS")) {
      return "Ogg (Vorbis, Opus or FLAC in Ogg)";
    }
    if (starts(h, n, 0, "FORM") && (starts(h, n, 8, "AIFF") || starts(h, n, 8, "AIFC"))) {
      return "AIFF";
    }
    if (starts(h, n, 4, "ftyp")) {
      return "MP4/M4A";
    }
    if (n >= 4
        && (h[0] & 0xFF) == 0x1A
        && (h[1] & 0xFF) == 0x45
        && (h[2] & 0xFF) == 0xDF
        && (h[3] & 0xFF) == 0xA3) {
      return "Matroska/WebM";
    }
    if (starts(h, n, 0, "caff")) {
      return "CAF";
    }
    if (starts(h, n, 0, ".snd")) {
      return "Sun/NeXT AU";
    }
    if (starts(h, n, 0, "#!AMR")) {
      return "AMR";
    }
    if (starts(h, n, 0, "wvpk")) {
      return "WavPack";
    }
    if (starts(h, n, 0, "MAC ")) {
      return "Monkey's Audio";
    }
    return null;
  }

  /**
   * The one-line message for a file in a format Stapes does not read.
   *
   * @param name the file name
   * @param format what {@link #unsupported} returned
   * @return the message, with an ffmpeg command that converts the file to 16 kHz mono WAV
   */
  public static String unsupportedMessage(String name, String format) {
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return String.format(
        Locale.ROOT,
        "'%s' looks like %s, a format Stapes does not read (it reads WAV and FLAC); convert it"
            + " first, e.g."
            + " ffmpeg -i '%s' -ar 16000 -ac 1 '%s-16k.wav'",
        name,
        format,
        name,
        stem);
  }

  private static boolean starts(byte[] h, int n, int off, String magic) {
    if (n < off + magic.length()) {
      return false;
    }
    for (int i = 0; i < magic.length(); i++) {
      if (h[off + i] != magic.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
