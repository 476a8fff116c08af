package dev.stapes.models.enroll;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.inject.Safetensors;
import dev.stapes.engine.inject.WeightTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Negative audio as embedding sequences ({@link Embedder#sequence}): real speech and noise the new
 * word must not fire on. A negative clip's embeddings do not depend on the word, so they are
 * computed once per file and base model and cached (a safetensors file per clip under {@code
 * <cache>/enroll/}); enrolling a second word costs only its own takes.
 *
 * <p>The default set is the shared corpus ({@code ../shared/corpus}): its LibriSpeech clips are
 * split by their sorted position {@code i}: {@code i % 4} of 0 or 1 train the head, 2 calibrates
 * the threshold, 3 is left out of enrollment for honest evaluation ({@link #corpusSplit}). The
 * other corpus clips (noise, silence, other keywords, long speech) train.
 */
public final class Negatives {

  /** One clip: its name and its embedding sequence. */
  public record Clip(String name, float[] sequence) {

    /** Chunks of the clip. */
    public int chunks() {
      return sequence.length / Embedder.DIM - Embedder.WINDOW;
    }
  }

  /** The corpus split: training, calibration and test files. */
  public record Split(List<Path> train, List<Path> calibration, List<Path> test) {}

  /** Seconds of silence around a negative clip shorter than this (1 s clips need context). */
  static final double SHORT_SECONDS = 3.0;

  private Negatives() {}

  /** Hours of audio in {@code clips} (80 ms per chunk). */
  public static double hours(List<Clip> clips) {
    long n = 0;
    for (Clip c : clips) {
      n += c.chunks();
    }
    return n * 0.08 / 3600;
  }

  /**
   * The default negatives of the corpus directory {@code corpus} (the shared corpus layout); files
   * that are absent are left out.
   */
  public static Split corpusSplit(Path corpus) throws IOException {
    List<Path> libri = new ArrayList<>();
    Path dir = corpus.resolve("librispeech");
    if (Files.isDirectory(dir)) {
      try (var s = Files.list(dir)) {
        libri = s.filter(p -> p.toString().endsWith(".wav")).sorted().collect(Collectors.toList());
      }
    }
    List<Path> train = new ArrayList<>();
    List<Path> cal = new ArrayList<>();
    List<Path> test = new ArrayList<>();
    for (int i = 0; i < libri.size(); i++) {
      switch (i % 4) {
        case 0, 1 -> train.add(libri.get(i));
        case 2 -> cal.add(libri.get(i));
        default -> test.add(libri.get(i));
      }
    }
    for (String f :
        List.of(
            "noise_1000ms.wav",
            "silence_1000ms.wav",
            "yes_1000ms.wav",
            "no_1000ms.wav",
            "alexa_test.wav",
            "hey_mycroft_test.wav",
            "hey_jane.wav",
            "silero_test.wav",
            "jfk_16k.wav")) {
      Path p = corpus.resolve(f);
      if (Files.isRegularFile(p)) {
        train.add(p);
      }
    }
    return new Split(train, cal, test);
  }

  /** The audio of a negative file at 16 kHz; a short clip gets silence around it. */
  public static float[] audio(Path wav) throws IOException {
    float[] x = AudioFiles.readMono(wav, 16000);
    if (x.length < SHORT_SECONDS * 16000) {
      int pad = 16000;
      float[] y = new float[x.length + 2 * pad];
      System.arraycopy(x, 0, y, pad, x.length);
      x = y;
    }
    return x;
  }

  /**
   * The embedding sequences of {@code files}, from {@code cacheDir} where present (null: no cache);
   * {@code baseSha256} (the embedding model's checksum) is part of the cache key.
   */
  public static List<Clip> load(
      Embedder embedder, List<Path> files, Path cacheDir, String baseSha256) throws IOException {
    List<Clip> out = new ArrayList<>();
    for (Path f : files) {
      Path cached = cacheDir == null ? null : cacheDir.resolve(key(f, baseSha256) + ".safetensors");
      float[] seq = null;
      if (cached != null && Files.isRegularFile(cached)) {
        try {
          seq = Safetensors.read(cached).tensors().get("sequence").data();
        } catch (IOException | RuntimeException e) {
          seq = null; // a damaged cache entry is computed again
        }
      }
      if (seq == null) {
        seq = embedder.sequence(audio(f));
        if (cached != null) {
          Files.createDirectories(cacheDir);
          Path tmp = Files.createTempFile(cacheDir, "neg", ".tmp");
          Safetensors.write(
              tmp,
              Map.of(
                  "sequence",
                  new WeightTensor(new long[] {seq.length / Embedder.DIM, Embedder.DIM}, seq)),
              Map.of("format", "stapes.enroll-negative", "source", f.getFileName().toString()));
          Files.move(
              tmp,
              cached,
              java.nio.file.StandardCopyOption.REPLACE_EXISTING,
              java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
      }
      out.add(new Clip(f.getFileName().toString(), seq));
    }
    return out;
  }

  /** Cache key: base model checksum, absolute path, size and modification time of the file. */
  static String key(Path f, String baseSha256) throws IOException {
    String id =
        baseSha256
            + "|"
            + f.toAbsolutePath().normalize()
            + "|"
            + Files.size(f)
            + "|"
            + Files.getLastModifiedTime(f).toMillis()
            + "|v1";
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }
}
