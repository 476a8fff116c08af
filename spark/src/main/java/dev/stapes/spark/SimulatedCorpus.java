package dev.stapes.spark;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.WavWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a simulated corpus for throughput runs: the clips of a directory repeated, each copy with
 * its own gain (-12 to +6 dB) and white noise (5 to 30 dB SNR), as 16 kHz 16-bit WAV files, until
 * the corpus holds the hours asked for. Deterministic for a seed.
 *
 * <p>{@code java -cp spark/target/stapes-spark.jar dev.stapes.spark.SimulatedCorpus SRC OUT HOURS
 * [SEED]}
 */
public final class SimulatedCorpus {

  private SimulatedCorpus() {}

  /** Entry point; exit 2 with one line on bad arguments. */
  public static void main(String[] args) throws IOException {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: SimulatedCorpus SRC_DIR OUT_DIR HOURS [SEED]");
      System.exit(2);
    }
    double hours;
    long seed;
    try {
      hours = Double.parseDouble(args[2]);
      seed = args.length == 4 ? Long.parseLong(args[3]) : 1;
    } catch (NumberFormatException e) {
      System.err.println("SimulatedCorpus: HOURS and SEED must be numbers: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!(hours > 0 && hours <= 1000)) {
      System.err.println("SimulatedCorpus: HOURS=" + args[2] + ", expected (0, 1000]");
      System.exit(2);
    }
    List<CorpusInput.Item> clips;
    try {
      clips = CorpusInput.list(args[0]);
    } catch (IllegalArgumentException e) {
      System.err.println("SimulatedCorpus: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path out = Files.createDirectories(Path.of(args[1]));
    double seconds = write(clips, out, hours * 3600, seed);
    System.out.printf(
        Locale.ROOT, "%s: %.3f h of audio from %d clips%n", out, seconds / 3600, clips.size());
  }

  /** Writes copies until {@code targetSeconds} are written; returns the seconds written. */
  static double write(List<CorpusInput.Item> clips, Path out, double targetSeconds, long seed)
      throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    double written = 0;
    for (int i = 0; written < targetSeconds; i++) {
      float[] x = AudioFiles.readMono(Path.of(clips.get(i % clips.size()).path()), 16000);
      if (x.length == 0) {
        continue;
      }
      double gain = Math.pow(10, (-12 + 18 * rnd.nextDouble()) / 20);
      double energy = 0;
      for (float v : x) {
        energy += (double) v * v;
      }
      double rms = Math.sqrt(energy / x.length) * gain;
      double noise = rms / Math.pow(10, (5 + 25 * rnd.nextDouble()) / 20);
      float[] y = new float[x.length];
      for (int k = 0; k < x.length; k++) {
        double v = x[k] * gain + noise * gaussian(rnd);
        y[k] = (float) Math.max(-1, Math.min(1, v));
      }
      WavWriter.write(
          out.resolve(String.format(Locale.ROOT, "sim-%06d.wav", i)),
          16000,
          WavWriter.Encoding.PCM_S16,
          y);
      written += x.length / 16000.0;
    }
    return written;
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
