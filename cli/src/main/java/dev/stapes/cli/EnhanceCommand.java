package dev.stapes.cli;

import dev.stapes.audio.WavSource;
import dev.stapes.audio.WavWriter;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.Pipelines;
import dev.stapes.models.enhance.GtcrnDescriptor;
import dev.stapes.models.live.FileSource;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./stapes enhance IN.wav --out OUT.wav [--chunk-ms N]}: streaming speech enhancement with
 * GTCRN. Reads any WAV encoding at any rate (resampled to 16 kHz, channels averaged), feeds it
 * through the enhancer in chunks of {@code --chunk-ms}, and writes 16 kHz mono float32 WAV of the
 * same duration. The output does not depend on the chunk size.
 */
@Command(
    name = "enhance",
    mixinStandardHelpOptions = true,
    description = {
      "Remove noise from speech with GTCRN, streaming: STFT, the model once per 16 ms hop with its"
          + " caches carried, inverse STFT with overlap-add.",
      "Input: any WAV (PCM 8/16/24/32-bit, float, A-law, mu-law) at any rate, resampled to 16 kHz,"
          + " channels averaged. Output: 16 kHz mono float32 WAV, the same length as the input.",
      "Latency of the path: 32 ms (one 16 ms hop plus the window's 16 ms look-ahead) plus compute."
    })
public final class EnhanceCommand implements Callable<Integer> {

  /** Longest chunk accepted, ms (one hour); longer inputs are read in chunks of this size. */
  static final double MAX_CHUNK_MS = 3_600_000;

  @Parameters(index = "0", paramLabel = "IN.wav", description = "The noisy WAV file.")
  Path in;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "OUT.wav",
      description = "Where to write the enhanced audio (16 kHz mono float32 WAV).")
  Path out;

  @Option(
      names = "--chunk-ms",
      paramLabel = "N",
      defaultValue = "16",
      description =
          "Feed the enhancer N ms of audio at a time, as a live source would (default ${DEFAULT-VALUE};"
              + " fractions allowed, at least one sample; 'whole' for the whole file, up to an hour, in one call)."
              + " The output is the same for any N.")
  String chunkMs;

  @Option(
      names = "--model",
      paramLabel = "M.onnx",
      description =
          "A GTCRN streaming model file (default: the store's 'gtcrn', fetched from"
              + " STAPES_MODEL_MIRROR or the cache).")
  Path model;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    long chunk = "whole".equals(chunkMs) ? Long.MAX_VALUE : chunkSamples(parseMs(chunkMs));
    if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
      throw new IllegalArgumentException(
          "--out=" + out + " is the input file; choose another path");
    }
    PrintWriter err = spec.commandLine().getErr();
    CliSupport.openWav("enhance", in, err);
    Path modelFile = CliSupport.modelOrOverride(model, ModelCatalog.GTCRN, err);
    long t0 = System.nanoTime();
    int rate;
    double seconds;
    long hops;
    int chunkUsed;
    long[] written = {0};
    // a regular file is written beside the output and renamed on success, so that a failure
    // leaves no partial file; a device or pipe (/dev/null, /dev/stdout) is written in place
    Path target = partFile();
    WavWriter[] dst = {null};
    boolean done = false;
    // the enhance pipeline: cleaned audio arrives at the sink as it becomes final
    PipelineSink toFile =
        new PipelineSink() {
          @Override
          public void onAudio(float[] samples, int offset, int length) {
            try {
              dst[0].write(samples, offset, length);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            written[0] += length;
          }
        };
    try (Pipeline p = Pipelines.open("enhance", PipelineConfig.defaults().withModel(modelFile));
        PipelineStream enhancer = p.newStream(toFile);
        WavSource src = WavSource.open(in, GtcrnDescriptor.SAMPLE_RATE)) {
      try {
        dst[0] =
            WavWriter.create(target, GtcrnDescriptor.SAMPLE_RATE, 1, WavWriter.Encoding.FLOAT32);
      } catch (IOException e) {
        throw cannotWrite(e);
      }
      rate = src.info().sampleRate();
      long length = src.length();
      // no bigger than the file: a long chunk on a short file costs no memory
      long cap = chunkSamples(MAX_CHUNK_MS);
      int size = (int) Math.max(1, Math.min(Math.min(chunk, cap), length >= 0 ? length : cap));
      chunkUsed = size;
      float[] buf = new float[size];
      try {
        while (true) {
          int n = fill(src, buf);
          if (n <= 0) {
            break;
          }
          enhancer.push(buf, 0, n);
          if (n < buf.length) {
            break;
          }
        }
        enhancer.endOfInput();
      } catch (UncheckedIOException e) {
        throw cannotWrite(e.getCause());
      }
      hops = enhancer.chunksRun();
      seconds = written[0] / (double) GtcrnDescriptor.SAMPLE_RATE;
      WavWriter d = dst[0];
      dst[0] = null;
      try {
        d.close();
      } catch (IOException e) {
        throw cannotWrite(e);
      }
      if (!target.equals(out)) {
        ModelStore.replace(target, out);
      }
      done = true;
    } finally {
      if (dst[0] != null) {
        try {
          dst[0].close();
        } catch (IOException | RuntimeException ignored) {
          // the first failure is the one reported
        }
      }
      if (!done && !target.equals(out)) {
        Files.deleteIfExists(target);
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "enhanced %s (%d Hz) -> %s: %d samples at 16000 Hz (%.2f s), %d hops, chunk %d"
                + " samples, %.2f s wall (%.1fx real time)%n",
            in,
            rate,
            out,
            written[0],
            seconds,
            hops,
            chunkUsed,
            wall,
            seconds / Math.max(wall, 1e-9));
    spec.commandLine().getOut().flush();
    err.flush();
    return 0;
  }

  /**
   * Where the output is written first: a hidden temporary file beside {@code --out} when it is (or
   * will be) a regular file, else {@code --out} itself.
   */
  private Path partFile() throws IOException {
    if (Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out=" + out + " is a directory, expected a WAV file");
    }
    if (Files.exists(out) && !Files.isRegularFile(out)) {
      return out;
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          "--out=" + out + ": directory " + parent + " does not exist");
    }
    try {
      Path part = Files.createTempFile(parent, "." + out.getFileName() + ".", ".part");
      try {
        Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its default permissions stay
      }
      return part;
    } catch (IOException e) {
      throw cannotWrite(e);
    }
  }

  /** A write failure naming the output file, not the temporary one. */
  private FileSystemException cannotWrite(IOException e) {
    String reason;
    if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof FileSystemException f && f.getReason() != null) {
      reason = f.getReason();
    } else {
      reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    FileSystemException named =
        new FileSystemException(out.toString(), null, "cannot write: " + reason);
    named.initCause(e);
    return named;
  }

  /** Reads until {@code buf} is full or the source ends; returns the count, -1 at the end. */
  private static int fill(WavSource src, float[] buf) throws IOException {
    int n = FileSource.readFully(src, buf, 0, buf.length);
    return n == 0 ? -1 : n;
  }

  static double parseMs(String v) {
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--chunk-ms=" + v + ", expected a number of milliseconds or 'whole'");
    }
  }

  static int chunkSamples(double ms) {
    if (!(ms > 0) || ms > MAX_CHUNK_MS) {
      throw new IllegalArgumentException(
          "--chunk-ms="
              + ms
              + " ms, expected more than 0 and at most "
              + (long) MAX_CHUNK_MS
              + " ms");
    }
    return (int) Math.max(1, Math.round(ms * GtcrnDescriptor.SAMPLE_RATE / 1000.0));
  }
}
