package dev.stapes.cli;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.FeatureExtractor;
import dev.stapes.audio.FeatureMatrix;
import dev.stapes.audio.OnlineFeature;
import dev.stapes.audio.WavReader;
import dev.stapes.audio.WavSource;
import dev.stapes.engine.Npy;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.features.FeaturesPipeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./stapes features IN.wav --preset P --out OUT.npy [--chunk-ms N] [overrides]}: spectral
 * features of a WAV file as float32 {@code [frames, bins]} in NumPy's .npy format.
 */
@Command(
    name = "features",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Compute spectral features (log-mel, Kaldi fbank, MFCC) of a WAV file and write them as"
          + " float32 [frames, bins] .npy.",
      "Any WAV encoding and rate is accepted; channels are averaged and the audio is resampled"
          + " to the preset's rate (16 kHz). Presets: kaldi-fbank, whisper, htk-mel, mfcc, oww-mel"
          + " (docs/audio-dsp.md defines each).",
      "With --chunk-ms the streaming API is fed chunks of that many milliseconds; the output is"
          + " identical to the offline one (global floors of whisper and mfcc are applied at the"
          + " end)."
    })
public final class FeaturesCommand implements Callable<Integer> {

  /** The longest --chunk-ms accepted (one minute), which bounds the chunk buffer. */
  static final int MAX_CHUNK_MS = 60_000;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN.wav", description = "The WAV file.")
  Path input;

  @Option(
      names = "--preset",
      required = true,
      paramLabel = "P",
      description = "kaldi-fbank, whisper, htk-mel, mfcc or oww-mel.")
  String preset;

  @Option(names = "--out", required = true, paramLabel = "OUT.npy", description = "Output file.")
  Path out;

  @Option(
      names = "--chunk-ms",
      paramLabel = "N",
      description = "Stream the audio in chunks of N ms (0 < N <= 60000) instead of all at once.")
  Double chunkMs;

  @Option(names = "--n-mels", paramLabel = "N", description = "Number of mel filters.")
  String nMels;

  @Option(names = "--n-fft", paramLabel = "N", description = "FFT size in samples (even).")
  String nFft;

  @Option(names = "--hop", paramLabel = "N", description = "Hop in samples.")
  String hop;

  @Option(names = "--win", paramLabel = "N", description = "Window length in samples (<= n-fft).")
  String win;

  @Option(names = "--fmin", paramLabel = "HZ", description = "Lowest mel frequency.")
  String fmin;

  @Option(
      names = "--fmax",
      paramLabel = "HZ",
      description = "Highest mel frequency (<= Nyquist; <= 0 means Nyquist plus this).")
  String fmax;

  @Option(
      names = "--snip-edges",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Kaldi framing: only frames that fit inside the signal.")
  String snipEdges;

  @Option(
      names = {"--center", "--centre"},
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "torch framing: pad n-fft/2 on both sides.")
  String center;

  @Option(names = "--pad-mode", paramLabel = "M", description = "reflect or zeros.")
  String padMode;

  @Option(
      names = "--window",
      paramLabel = "W",
      description =
          "hann, hann-symmetric, hamming, hamming-periodic, povey, rectangular, sqrt-hann.")
  String window;

  @Option(names = "--power", paramLabel = "P", description = "2 power spectrum, 1 magnitude.")
  String power;

  @Option(names = "--log", paramLabel = "K", description = "none, ln, log10 or db.")
  String log;

  @Option(names = "--n-mfcc", paramLabel = "N", description = "Number of MFCCs (0: none).")
  String nMfcc;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = {
        "Any other parameter, repeatable: sample-rate, framing, drop-last-frame, input-scale,"
            + " remove-dc, preemphasis, mel-scale, mel-norm, log-floor, log-offset, top-db,"
            + " out-scale, out-offset, precision."
      })
  List<String> set = new ArrayList<>();

  @Option(names = "--print-config", description = "Print the resolved configuration to stderr.")
  boolean printConfig;

  @Override
  public Integer call() throws Exception {
    if (out.toString().isEmpty()) {
      throw new IllegalArgumentException("--out is empty, expected a file path such as out.npy");
    }
    FeatureConfig config = config();
    PrintWriter err = spec.commandLine().getErr();
    if (printConfig) {
      err.println(config);
      err.flush();
    }
    CliSupport.requireFile(input);
    List<String> warnings = new ArrayList<>();
    FeatureMatrix m = streamed(config, warnings);
    CliSupport.printWarnings("features", warnings, err);
    Npy.writeFloat32(out, m.data(), m.frames(), m.bins());
    PrintWriter o = spec.commandLine().getOut();
    o.println(
        String.format(
            Locale.ROOT,
            "%s: %d frames x %d bins (%s, %d Hz, hop %d)%s",
            out,
            m.frames(),
            m.bins(),
            config.name(),
            config.sampleRate(),
            config.hop(),
            chunkMs == null
                ? ""
                : String.format(Locale.ROOT, ", streamed in %s ms chunks", chunkMs)));
    o.flush();
    return 0;
  }

  FeatureConfig config() {
    FeatureConfig.Builder b = FeatureConfig.presetBuilder(preset);
    String[][] named = {
      {"n-mels", nMels},
      {"n-fft", nFft},
      {"hop", hop},
      {"win", win},
      {"fmin", fmin},
      {"fmax", fmax},
      {"snip-edges", snipEdges},
      {"center", center},
      {"pad-mode", padMode},
      {"window", window},
      {"power", power},
      {"log", log},
      {"n-mfcc", nMfcc},
    };
    for (String[] kv : named) {
      if (kv[1] != null) {
        b.set(kv[0], kv[1]);
      }
    }
    for (String s : set) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set '" + s + "', expected KEY=VALUE");
      }
      b.set(s.substring(0, eq), s.substring(eq + 1));
    }
    return b.build();
  }

  /**
   * The features pipeline over {@code config}, its frames unfloored ({@code DEFERRED}) and floored
   * at the end as offline: the whole file in one push, or {@code --chunk-ms} blocks.
   */
  private FeatureMatrix streamed(FeatureConfig config, List<String> warnings) throws Exception {
    if (chunkMs != null && !(chunkMs > 0 && chunkMs <= MAX_CHUNK_MS)) {
      throw new IllegalArgumentException(
          "--chunk-ms="
              + chunkMs
              + " ms, expected more than 0 and at most "
              + MAX_CHUNK_MS
              + " ms");
    }
    int chunk =
        chunkMs == null ? 1 : (int) Math.max(1, Math.round(chunkMs * config.sampleRate() / 1000.0));
    Rows rows = new Rows();
    try (Pipeline p =
            new FeaturesPipeline(config, config.name(), chunk, OnlineFeature.FloorMode.DEFERRED);
        PipelineStream s = p.newStream(rows)) {
      if (chunkMs == null) {
        try (WavReader r = WavReader.open(input)) {
          warnings.addAll(r.info().warnings());
        }
        float[] x = AudioFiles.readMono(input, config.sampleRate());
        s.push(x, 0, x.length);
      } else {
        float[] buf = new float[chunk];
        try (WavSource src = WavSource.open(input, config.sampleRate())) {
          int n;
          while ((n = src.read(buf, 0, chunk)) > 0) {
            s.push(buf, 0, n);
          }
          warnings.addAll(src.info().warnings());
        }
      }
      s.endOfInput();
    }
    return FeatureExtractor.finish(Arrays.copyOf(rows.data, rows.length), rows.frames, config);
  }

  /** Collects the frames of a features stream, row-major. */
  private static final class Rows implements PipelineSink {
    float[] data = new float[1 << 14];
    int length;
    int frames;

    @Override
    public void onFrame(long index, float[] frame, int n) {
      if (length + n > data.length) {
        long grown = Math.max((long) length + n, 2L * data.length);
        data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, grown));
      }
      System.arraycopy(frame, 0, data, length, n);
      length += n;
      frames++;
    }
  }
}
