package dev.stapes.bench.enroll;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.enroll.EnrolledWords;
import dev.stapes.models.enroll.Enroller;
import dev.stapes.models.enroll.Enrollment;
import dev.stapes.models.enroll.Negatives;
import dev.stapes.models.enroll.WakeWordTask;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The enrollment proof of docs/enroll.md: enrolls "hey nova" and "hey jarvis" from three espeak-ng
 * takes of one voice, then measures on clips of eight other voices ({@code
 * bench/enroll/generate-proof.sh}) recall clean and with noise at 10 and 0 dB SNR, false accepts
 * per hour on the LibriSpeech quarter that enrollment never saw, near misses, and the pre-trained
 * openWakeWord {@code hey_jarvis} on the same clips; writes {@code results.json} and {@code
 * curve.png}.
 *
 * <p>{@code java -cp bench/target/stapes.jar dev.stapes.bench.enroll.EnrollProof PROOF_DIR
 * FIXTURE_DIR CORPUS_DIR OUT_DIR}
 */
public final class EnrollProof {

  private EnrollProof() {}

  /** Runs the proof. */
  public static void main(String[] args) throws Exception {
    Path proof = Path.of(args[0]);
    Path fixtures = Path.of(args[1]);
    Path corpus = Path.of(args[2]);
    Path out = Path.of(args[3]);
    Files.createDirectories(out);
    ModelStore store = ModelStore.fromEnvironment();
    SessionOptions one = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    Map<String, Object> json = new LinkedHashMap<>();
    List<String> words = List.of("hey_nova", "hey_jarvis");
    List<WakeWordTask> tasks = new ArrayList<>();
    long t0 = System.nanoTime();
    try (Enrollment e = Enrollment.open(store, corpus, List.of(), one)) {
      json.put("negatives_open_seconds", (System.nanoTime() - t0) / 1e9);
      json.put("train_negative_hours", e.negativeHours()[0]);
      json.put("calibration_hours", e.negativeHours()[1]);
      for (String w : words) {
        List<float[]> takes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
          takes.add(
              e.check(AudioFiles.readMono(fixtures.resolve(w + "_take" + i + ".wav"), 16000))
                  .audio());
        }
        Enroller.Options d = Enroller.Options.defaults();
        Enroller.Options o =
            new Enroller.Options(
                Integer.getInteger("enroll.aug", d.augmentations()),
                d.validationAugmentations(),
                Integer.getInteger("enroll.near", d.nearMisses()),
                d.targetFaPerHour(),
                Double.parseDouble(System.getProperty("enroll.margin", "" + d.marginLogit())),
                d.seed(),
                new dev.stapes.models.enroll.LogisticHead.Options(
                    Integer.getInteger("enroll.epochs", d.head().epochs()),
                    d.head().learningRate(),
                    Double.parseDouble(System.getProperty("enroll.l2", "" + d.head().l2()))),
                true);
        json.put("options", o.toString());
        Enrollment.Result r = e.enroll(w, takes, o);
        System.out.println(w + ": " + r.report());
        json.put(w + "_enroll", r.report().toString());
        json.put(w + "_enroll_seconds", r.report().totalSeconds());
        tasks.add(r.task());
        r.task().write(out.resolve(w + "_locked.task"));
      }
    }
    List<WakeWordTask> all = new ArrayList<>();
    for (WakeWordTask t : tasks) {
      t.withoutSpeakerLock(t.name()).write(out.resolve(t.name() + ".task"));
      // distinct from the pre-trained hey_jarvis loaded beside it
      all.add(t.withoutSpeakerLock("enrolled_" + t.name()));
    }
    for (WakeWordTask t : tasks) {
      all.add(
          new WakeWordTask(
              "enrolled_" + t.name() + "_locked",
              t.head(),
              t.threshold(),
              t.baseId(),
              t.baseSha256(),
              t.calibration(),
              t.verifier(),
              t.verifierThreshold()));
    }
    EnrolledWords heads = new EnrolledWords(all);
    Negatives.Split split = Negatives.corpusSplit(corpus);
    List<Path> test = split.test();
    json.put(
        "fa_test_clips",
        test.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(" ")));
    float[] noise = AudioFiles.readMono(corpus.resolve("noise_1000ms.wav"), 16000);
    List<float[]> babble = new ArrayList<>();
    for (Path p : test) {
      babble.add(AudioFiles.readMono(p, 16000));
    }
    try (WakeWordModel model =
            WakeWordModel.open(store, List.of("hey_jarvis"), heads, MelSource.STAPES, one);
        WakeWordStream stream = model.newStream()) {
      List<String> kws = model.keywords(); // [hey_jarvis (pre-trained), hey_nova, hey_jarvis]
      String[] label = {
        "pretrained_hey_jarvis",
        "enrolled_hey_nova",
        "enrolled_hey_jarvis",
        "enrolled_hey_nova_speaker_lock",
        "enrolled_hey_jarvis_speaker_lock"
      };
      String[] word = {"hey_jarvis", "hey_nova", "hey_jarvis", "hey_nova", "hey_jarvis"};
      int nk = label.length;
      System.out.println("keywords " + kws);
      // false accepts on the test quarter of LibriSpeech
      List<float[][]> faScores = new ArrayList<>();
      double hours = 0;
      for (Path p : test) {
        float[][] s = scores(stream, Negatives.audio(p), nk);
        faScores.add(s);
        hours += s[0].length * 0.08 / 3600;
      }
      json.put("fa_test_hours", hours);
      String[] conds = {"clean", "noise10", "noise0", "babble10", "babble0"};
      Map<String, float[][]> peaks = new LinkedHashMap<>(); // cond -> [keyword][clip]
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
      for (String w : words) {
        List<Path> clips = list(proof, "pos_" + w + "_");
        for (String c : conds) {
          float[][] pk = new float[nk][clips.size()];
          for (int i = 0; i < clips.size(); i++) {
            float[] a = place(AudioFiles.readMono(clips.get(i), 16000));
            if (!c.equals("clean")) {
              double snr = c.endsWith("10") ? 10 : 0;
              float[] n = c.startsWith("noise") ? noise : babble.get(rnd.nextInt(babble.size()));
              mix(a, n, snr, rnd.nextInt(n.length));
            }
            float[][] s = scores(stream, a, nk);
            for (int k = 0; k < nk; k++) {
              pk[k][i] = max(s[k]);
            }
          }
          peaks.put(w + "/" + c, pk);
        }
        for (String kind : List.of("near", "same")) {
          List<Path> more = list(proof, kind + "_" + w + "_");
          float[][] pk = new float[nk][more.size()];
          for (int i = 0; i < more.size(); i++) {
            float[][] s = scores(stream, place(AudioFiles.readMono(more.get(i), 16000)), nk);
            for (int k = 0; k < nk; k++) {
              pk[k][i] = max(s[k]);
            }
          }
          peaks.put(w + "/" + kind, pk);
        }
      }
      // figures at threshold 0.5 (the calibrated threshold of an enrolled word; openWakeWord's
      // default for the pre-trained one)
      for (int k = 0; k < nk; k++) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("recall_enrolled_voice_new_takes", frac(peaks.get(word[k] + "/same")[k], 0.5f));
        f.put("same_voice_clips", peaks.get(word[k] + "/same")[k].length);
        for (String c : conds) {
          f.put("recall_" + c, frac(peaks.get(word[k] + "/" + c)[k], 0.5f));
        }
        f.put("near_miss_fired", frac(peaks.get(word[k] + "/near")[k], 0.5f));
        f.put("near_miss_clips", peaks.get(word[k] + "/near")[k].length);
        int fa = 0;
        for (float[][] s : faScores) {
          fa += Enroller.falseAccepts(s[k], 0.5);
        }
        f.put("false_accepts", fa);
        f.put("fa_per_hour", fa / hours);
        json.put(label[k], f);
        System.out.println(label[k] + " " + f);
      }
      curve(
          out.resolve("curve.png"),
          peaks,
          faScores,
          hours,
          java.util.Arrays.copyOf(label, 3),
          java.util.Arrays.copyOf(word, 3));
    }
    Files.writeString(out.resolve("results.json"), toJson(json));
    System.out.println(toJson(json));
  }

  static List<Path> list(Path dir, String prefix) throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
    }
  }

  /** The clip with 1.6 s of silence before and 0.4 s after (the detector's context). */
  static float[] place(float[] x) {
    int lead = 25600;
    float[] a = new float[lead + x.length + 6400];
    System.arraycopy(x, 0, a, lead, x.length);
    return a;
  }

  /**
   * Adds {@code noise} (looped from {@code start}) at {@code snr} dB to the speech of {@code a}.
   */
  static void mix(float[] a, float[] noise, double snr, int start) {
    double ps = 0;
    int n = 0;
    for (float v : a) {
      if (v != 0f) {
        ps += v * v;
        n++;
      }
    }
    ps /= Math.max(1, n);
    double pn = 0;
    for (float v : noise) {
      pn += v * v;
    }
    pn /= noise.length;
    float g = (float) Math.sqrt(ps / Math.pow(10, snr / 10) / pn);
    for (int i = 0; i < a.length; i++) {
      a[i] += g * noise[(start + i) % noise.length];
    }
  }

  /** Per-chunk scores of each keyword. */
  static float[][] scores(WakeWordStream s, float[] a, int k) {
    int n = a.length / WakeWordStream.CHUNK;
    float[][] out = new float[k][n];
    s.reset();
    for (int c = 0; c < n; c++) {
      s.process(a, c * WakeWordStream.CHUNK);
      for (int j = 0; j < k; j++) {
        out[j][c] = s.score(j);
      }
    }
    return out;
  }

  static float max(float[] x) {
    float m = 0;
    for (float v : x) {
      m = Math.max(m, v);
    }
    return m;
  }

  static double frac(float[] peaks, float t) {
    int n = 0;
    for (float v : peaks) {
      if (v >= t) {
        n++;
      }
    }
    return peaks.length == 0 ? Double.NaN : n / (double) peaks.length;
  }

  /** Recall (clean and 10 dB noise) against false accepts per hour, sweeping the threshold. */
  static void curve(
      Path png,
      Map<String, float[][]> peaks,
      List<float[][]> fa,
      double hours,
      String[] label,
      String[] word)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(600)
            .title(
                "Recall vs false accepts per hour (LibriSpeech test quarter, "
                    + fmt(hours * 60)
                    + " min)")
            .xAxisTitle("false accepts per hour")
            .yAxisTitle("recall (8 unseen voices x 2 rates x 2 pitches)")
            .build();
    chart.getStyler().setXAxisMin(0.0).setXAxisMax(60.0).setYAxisMin(0.0).setYAxisMax(1.0);
    float[] ts = new float[200];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = (float) (1 / (1 + Math.exp(-(-10 + 20.0 * i / (ts.length - 1))))); // logit -10..10
    }
    for (int k = 0; k < label.length; k++) {
      for (String c : List.of("clean", "noise10")) {
        double[] x = new double[ts.length];
        double[] y = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
          int n = 0;
          for (float[][] s : fa) {
            n += Enroller.falseAccepts(s[k], ts[i]);
          }
          x[i] = n / hours;
          y[i] = frac(peaks.get(word[k] + "/" + c)[k], ts[i]);
        }
        chart.addSeries(label[k] + " " + c, x, y).setMarker(SeriesMarkers.NONE);
      }
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String toJson(Map<String, Object> m) {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> e : m.entrySet()) {
      sb.append("  \"").append(e.getKey()).append("\": ").append(value(e.getValue()));
      sb.append(++i < m.size() ? ",\n" : "\n");
    }
    return sb.append("}\n").toString();
  }

  @SuppressWarnings("unchecked")
  static String value(Object v) {
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      int i = 0;
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        sb.append(i++ > 0 ? ", " : "").append('"').append(e.getKey()).append("\": ");
        sb.append(value(e.getValue()));
      }
      return sb.append('}').toString();
    }
    if (v instanceof Double d) {
      return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null";
    }
    if (v instanceof Number) {
      return v.toString();
    }
    return dev.stapes.engine.Json.quote(String.valueOf(v));
  }
}
