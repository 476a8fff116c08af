package dev.stapes.models.enroll;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.VadStream;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything enrollment needs, loaded once: the shared base ({@link Embedder}), Silero VAD for the
 * take checks, and the negatives (training and calibration embeddings, cached under the model
 * store's cache) with background audio for augmentation.
 *
 * <pre>{@code
 * try (Enrollment e = Enrollment.open(store, corpusDir, List.of(), SessionOptions.defaults())) {
 *   List<float[]> takes = new ArrayList<>();
 *   for (Path wav : wavs) {
 *     takes.add(e.check(AudioFiles.readMono(wav, 16000)).audio()); // BadTakeException: one line
 *   }
 *   WakeWordTask task = e.enroll("hey_nova", takes, Enroller.Options.defaults()).task();
 *   task.write(Path.of("hey_nova.task"));
 * }
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class Enrollment implements AutoCloseable {

  /** The task and the enrollment report. */
  public record Result(WakeWordTask task, Enroller.Report report) {}

  private final Embedder embedder;
  private final SileroVad vad;
  private final VadStream vadStream;
  private final List<Negatives.Clip> train;
  private final List<Negatives.Clip> calibration;
  private final List<float[]> noises;
  private final String baseSha256;

  private Enrollment(
      Embedder embedder,
      SileroVad vad,
      List<Negatives.Clip> train,
      List<Negatives.Clip> calibration,
      List<float[]> noises,
      String baseSha256) {
    this.embedder = embedder;
    this.vad = vad;
    this.vadStream = vad.newStream(16000);
    this.train = train;
    this.calibration = calibration;
    this.noises = noises;
    this.baseSha256 = baseSha256;
  }

  /**
   * Loads the models from {@code store} and the negatives: the corpus split of {@code corpus}
   * ({@link Negatives#corpusSplit}) plus {@code extraNegatives} (WAV files or directories of them,
   * added to training and to the background audio).
   *
   * @throws IllegalArgumentException when there are no calibration negatives
   */
  public static Enrollment open(
      ModelStore store, Path corpus, List<Path> extraNegatives, SessionOptions options)
      throws IOException {
    Negatives.Split split = Negatives.corpusSplit(corpus);
    List<Path> trainFiles = new ArrayList<>(split.train());
    for (Path p : extraNegatives) {
      if (Files.isDirectory(p)) {
        try (var s = Files.walk(p)) {
          s.filter(f -> f.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".wav"))
              .sorted()
              .forEach(trainFiles::add);
        }
      } else {
        trainFiles.add(p);
      }
    }
    if (split.calibration().isEmpty()) {
      throw new IllegalArgumentException(
          "corpus="
              + corpus
              + " has no librispeech/*.wav clips, expected real speech to calibrate the threshold"
              + " on (the shared corpus, or --corpus DIR)");
    }
    String sha = WakeWordTask.currentBaseSha256();
    Embedder emb = Embedder.open(store.path(ModelCatalog.OWW_EMBEDDING), options);
    SileroVad vad = null;
    try {
      vad = SileroVad.open(store.path(ModelCatalog.SILERO_VAD_V5), options);
      Path cache = store.cache().resolve("enroll");
      List<Negatives.Clip> train = Negatives.load(emb, trainFiles, cache, sha);
      List<Negatives.Clip> cal = Negatives.load(emb, split.calibration(), cache, sha);
      List<float[]> noises = new ArrayList<>();
      for (Path p : trainFiles) {
        noises.add(AudioFiles.readMono(p, 16000));
      }
      return new Enrollment(emb, vad, train, cal, noises, sha);
    } catch (IOException | RuntimeException e) {
      emb.close();
      if (vad != null) {
        vad.close();
      }
      throw e;
    }
  }

  /** The shared base (owned by this object). */
  public Embedder embedder() {
    return embedder;
  }

  /** Hours of training and calibration negatives. */
  public double[] negativeHours() {
    return new double[] {Negatives.hours(train), Negatives.hours(calibration)};
  }

  /** Checks and trims one take (16 kHz mono). */
  public TakeCheck.Take check(float[] audio) throws TakeCheck.BadTakeException {
    return TakeCheck.check(audio, vadStream);
  }

  /** Enrolls {@code name} from trimmed takes. */
  public Result enroll(String name, List<float[]> takes, Enroller.Options options) {
    WakeWordTask.checkName(name);
    Enroller.Result r = new Enroller(embedder).enroll(takes, train, calibration, noises, options);
    Enroller.Report rep = r.report();
    Map<String, Object> cal = new LinkedHashMap<>();
    cal.put("takes", takes.size());
    cal.put("target_fa_per_hour", options.targetFaPerHour());
    cal.put("margin_logit", options.marginLogit());
    cal.put("calibration_hours", rep.calibrationHours());
    cal.put("calibration_false_accepts", rep.calibrationFalseAccepts());
    cal.put("training_negative_hours", rep.trainingNegativeHours());
    cal.put("expected_recall", rep.expectedRecall());
    cal.put("validation_clips", rep.validationClips());
    cal.put("positives", rep.positives());
    cal.put("negatives", rep.negatives());
    cal.put("enroll_seconds", rep.totalSeconds());
    if (r.verifier() != null) {
      cal.put("speaker_lock_accepts", Enroller.VERIFIER_ACCEPT);
    }
    WakeWordTask task =
        new WakeWordTask(
            name,
            r.head(),
            r.threshold(),
            ModelCatalog.OWW_EMBEDDING,
            baseSha256,
            cal,
            r.verifier(),
            r.verifierThreshold());
    return new Result(task, rep);
  }

  @Override
  public void close() {
    vadStream.close();
    vad.close();
    embedder.close();
  }
}
