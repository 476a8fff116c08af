package dev.stapes.bench.ci;

import dev.stapes.audio.ChannelMode;
import dev.stapes.audio.WavInfo;
import dev.stapes.audio.WavReader;
import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Compares the outputs of one command run on two platforms (the ARM64 CI step: qemu against x86):
 * {@code .npy} tensors and {@code .wav} audio element by element within a tolerance, every other
 * file (segments, detections, text, JSON) byte for byte. Directories are compared file by file and
 * must hold the same names.
 *
 * <p>Tolerance: {@code |actual - expected| <= tol * max(1, |expected|)}, absolute for values up to
 * 1 (audio, probabilities) and relative above (logits, log-mel); NaN equals NaN. Dtype, shape,
 * sample rate, channel count and length must be equal.
 *
 * <p>Usage: {@code java -cp stapes.jar dev.stapes.bench.ci.OutputDiff EXPECTED ACTUAL [TOL]};
 * prints nothing and exits 0 when they agree, else prints the first difference as one line and
 * exits 1 (2 for a usage error or an unreadable file).
 */
public final class OutputDiff {

  /** The default tolerance, 1e-5. */
  public static final double DEFAULT_TOLERANCE = 1e-5;

  private OutputDiff() {}

  /**
   * The first difference between {@code expected} and {@code actual}, or {@code null} when they
   * agree.
   *
   * @param tolerance see the class comment; at least 0
   * @throws IOException when a file cannot be read or decoded
   * @throws IllegalArgumentException when {@code tolerance} is negative or NaN
   */
  public static String diff(Path expected, Path actual, double tolerance) throws IOException {
    if (!(tolerance >= 0)) {
      throw new IllegalArgumentException("tolerance=" + tolerance + ", expected >= 0");
    }
    if (Files.isDirectory(expected)) {
      if (!Files.isDirectory(actual)) {
        return actual + ": not a directory, expected one like " + expected;
      }
      List<String> names = names(expected);
      List<String> other = names(actual);
      if (!names.equals(other)) {
        return actual + ": files " + other + ", expected " + names;
      }
      for (String name : names) {
        String d = diff(expected.resolve(name), actual.resolve(name), tolerance);
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (!Files.isRegularFile(actual)) {
      return actual + ": missing, expected a file like " + expected;
    }
    String name = expected.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".npy")) {
      return diffNpy(expected, actual, tolerance);
    }
    if (name.endsWith(".wav")) {
      return diffWav(expected, actual, tolerance);
    }
    return diffBytes(expected, actual);
  }

  private static List<String> names(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    return names;
  }

  private static String diffNpy(Path expected, Path actual, double tol) throws IOException {
    NpyArray e = Npy.read(expected);
    NpyArray a = Npy.read(actual);
    if (e.dtype() != a.dtype() || !Arrays.equals(e.shape(), a.shape())) {
      return actual
          + ": "
          + a.dtype().descr()
          + Arrays.toString(a.shape())
          + ", expected "
          + e.dtype().descr()
          + Arrays.toString(e.shape());
    }
    return diffValues(actual, e.toDoubleArray(), a.toDoubleArray(), tol, "element");
  }

  private static String diffWav(Path expected, Path actual, double tol) throws IOException {
    WavInfo ei;
    WavInfo ai;
    try (WavReader e = WavReader.open(expected);
        WavReader a = WavReader.open(actual)) {
      ei = e.info();
      ai = a.info();
    }
    if (ei.sampleRate() != ai.sampleRate()
        || ei.channels() != ai.channels()
        || ei.frames() != ai.frames()) {
      return actual
          + ": "
          + ai.sampleRate()
          + " Hz, "
          + ai.channels()
          + " ch, "
          + ai.frames()
          + " frames, expected "
          + ei.sampleRate()
          + " Hz, "
          + ei.channels()
          + " ch, "
          + ei.frames()
          + " frames";
    }
    for (int c = 0; c < ei.channels(); c++) {
      String d =
          diffValues(
              actual,
              channel(expected, c, ei.frames()),
              channel(actual, c, ei.frames()),
              tol,
              "channel " + c + " frame");
      if (d != null) {
        return d;
      }
    }
    return null;
  }

  private static double[] channel(Path wav, int c, long frames) throws IOException {
    if (frames > Integer.MAX_VALUE - 8) {
      throw new IOException(wav + ": " + frames + " frames, too long to compare in memory");
    }
    float[] f = new float[(int) frames];
    try (WavReader r = WavReader.open(wav, ChannelMode.channel(c))) {
      int n = 0;
      while (n < f.length) {
        int k = r.read(f, n, f.length - n);
        if (k < 0) {
          break;
        }
        n += k;
      }
    }
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static String diffValues(
      Path actual, double[] e, double[] a, double tol, String element) {
    for (int i = 0; i < e.length; i++) {
      double x = e[i];
      double y = a[i];
      if (Double.isNaN(x) && Double.isNaN(y)) {
        continue;
      }
      double bound = tol * Math.max(1, Math.abs(x));
      if (!(Math.abs(y - x) <= bound) && x != y) {
        return String.format(
            Locale.ROOT,
            "%s: %s %d is %.9g, expected %.9g (difference %.3g, tolerance %.3g)",
            actual,
            element,
            i,
            y,
            x,
            Math.abs(y - x),
            bound);
      }
    }
    return null;
  }

  private static String diffBytes(Path expected, Path actual) throws IOException {
    byte[] e = Files.readAllBytes(expected);
    byte[] a = Files.readAllBytes(actual);
    int i = Arrays.mismatch(e, a);
    if (i < 0) {
      return null;
    }
    return actual
        + ": differs from "
        + expected
        + " at byte "
        + i
        + ": "
        + line(a, i)
        + " vs "
        + line(e, i);
  }

  /** The line of {@code b} around byte {@code i}, quoted, at most 120 characters. */
  private static String line(byte[] b, int i) {
    if (i >= b.length) {
      return "<end of file>";
    }
    int s = i;
    while (s > 0 && b[s - 1] != '\n' && i - s < 60) {
      s--;
    }
    int t = i;
    while (t < b.length && b[t] != '\n' && t - s < 120) {
      t++;
    }
    return "'" + new String(b, s, t - s, java.nio.charset.StandardCharsets.UTF_8) + "'";
  }

  /** See the class comment. */
  public static void main(String[] args) {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: OutputDiff EXPECTED ACTUAL [TOLERANCE]");
      System.exit(2);
    }
    try {
      double tol = args.length == 3 ? Double.parseDouble(args[2]) : DEFAULT_TOLERANCE;
      String d = diff(Path.of(args[0]), Path.of(args[1]), tol);
      if (d != null) {
        System.out.println(d);
        System.exit(1);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("OutputDiff: " + e.getMessage());
      System.exit(2);
    }
  }
}
