package dev.stapes.spark;

import dev.stapes.audio.WavSource;
import dev.stapes.audio.WavWriter;
import dev.stapes.engine.Npy;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineEvent;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.Pipelines;
import dev.stapes.models.kws.KeywordDetection;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.wakeword.WakeWordDetection;
import dev.stapes.models.wakeword.WakeWordStart;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What one task does with one file: streams it through every head of the job (one opened pipeline
 * each, shared by every task of the executor JVM) and turns the results into one row of {@link
 * #SCHEMA}. A file that cannot be read or decoded is a row with its error, never a failed task.
 *
 * <p>Serializable (Spark ships it to the executors); the opened pipelines stay in a static map of
 * the executor JVM, opened on first use from the broadcast {@link ModelBundle}.
 */
final class FileJob implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Samples read and pushed per block. */
  private static final int BLOCK = 16000;

  /** Kind of a speech segment event. */
  static final String SPEECH = "speech";

  /** Kind of a wake-word detection event. */
  static final String WAKEWORD = "wakeword";

  /** Kind of a keyword detection event. */
  static final String KEYWORD = "keyword";

  static final StructType EVENT =
      new StructType(
          new StructField[] {
            DataTypes.createStructField("head", DataTypes.StringType, true),
            DataTypes.createStructField("kind", DataTypes.StringType, false),
            DataTypes.createStructField("label", DataTypes.StringType, true),
            DataTypes.createStructField("start_s", DataTypes.DoubleType, true),
            DataTypes.createStructField("end_s", DataTypes.DoubleType, true),
            DataTypes.createStructField("time_s", DataTypes.DoubleType, false),
            DataTypes.createStructField("score", DataTypes.FloatType, true),
            DataTypes.createStructField("peak", DataTypes.FloatType, true)
          });

  /** One row per file. */
  static final StructType SCHEMA =
      new StructType(
          new StructField[] {
            DataTypes.createStructField("file_id", DataTypes.LongType, false),
            DataTypes.createStructField("path", DataTypes.StringType, false),
            DataTypes.createStructField("label", DataTypes.StringType, true),
            DataTypes.createStructField("pipeline", DataTypes.StringType, false),
            DataTypes.createStructField("ok", DataTypes.BooleanType, false),
            DataTypes.createStructField("error", DataTypes.StringType, true),
            DataTypes.createStructField("file_rate", DataTypes.IntegerType, true),
            DataTypes.createStructField("duration_s", DataTypes.DoubleType, false),
            DataTypes.createStructField("chunks", DataTypes.LongType, false),
            DataTypes.createStructField("events", DataTypes.createArrayType(EVENT, false), true),
            DataTypes.createStructField(
                "max_score",
                DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, false),
                true),
            DataTypes.createStructField(
                "sweep",
                DataTypes.createMapType(
                    DataTypes.StringType,
                    DataTypes.createArrayType(DataTypes.IntegerType, false),
                    false),
                true),
            DataTypes.createStructField(
                "frames",
                DataTypes.createArrayType(
                    DataTypes.createArrayType(DataTypes.FloatType, false), false),
                true),
            DataTypes.createStructField("output_file", DataTypes.StringType, true),
            DataTypes.createStructField("process_s", DataTypes.DoubleType, false)
          });

  /** Column of {@link #SCHEMA}: file id. */
  static final int FILE_ID = 0;

  /** The input rows: id, path, label. */
  static final StructType INPUT =
      new StructType(
          new StructField[] {
            DataTypes.createStructField("file_id", DataTypes.LongType, false),
            DataTypes.createStructField("path", DataTypes.StringType, false),
            DataTypes.createStructField("label", DataTypes.StringType, true)
          });

  /** What to write for feature matrices and enhanced audio. */
  enum Output {
    /** Feature matrices as arrays in the row; no enhanced audio. */
    ROWS,
    /** Files beside the Parquet: {@code features/ID.npy}, {@code audio/ID.wav}. */
    FILES
  }

  private final String pipeline;
  private final List<String> heads;
  private final double padSeconds;
  private final float[] thresholds;
  private final int rearmChunks;
  private final Output output;
  private final String outDir;
  private final Broadcast<ModelBundle> models;
  private final ModelBundle local;

  /**
   * @param pipeline the pipeline's name in {@link Pipelines}
   * @param heads the variants to run on each file, one opened pipeline each ({@code null}: its
   *     default variant)
   * @param padSeconds silence pushed before and after the audio (times are reported without it)
   * @param thresholds thresholds of the detection sweep (empty: no sweep)
   * @param outDir where per-file outputs go ({@code features/}, {@code audio/})
   * @param models the broadcast models (null: {@code local}, when no Spark runs)
   */
  FileJob(
      String pipeline,
      List<String> heads,
      double padSeconds,
      float[] thresholds,
      int rearmChunks,
      Output output,
      String outDir,
      Broadcast<ModelBundle> models,
      ModelBundle local) {
    this.pipeline = pipeline;
    this.heads = new ArrayList<>(heads);
    this.padSeconds = padSeconds;
    this.thresholds = thresholds.clone();
    this.rearmChunks = rearmChunks;
    this.output = output;
    this.outDir = outDir;
    this.models = models;
    this.local = local;
  }

  // ---- executor side: one opened pipeline per (bundle, pipeline, variant) and JVM ----

  private static final Map<String, Pipeline> OPEN = new ConcurrentHashMap<>();
  private static final Map<String, ModelStore> STORES = new ConcurrentHashMap<>();

  private Pipeline open(String variant) throws IOException {
    ModelBundle bundle = models != null ? models.value() : local;
    String key = bundle.id() + "/" + pipeline + "/" + variant;
    Pipeline p = OPEN.get(key);
    if (p != null) {
      return p;
    }
    synchronized (OPEN) {
      p = OPEN.get(key);
      if (p == null) {
        ModelStore store = STORES.get(bundle.id());
        if (store == null) {
          store = bundle.materialize(Path.of(System.getProperty("java.io.tmpdir")));
          STORES.put(bundle.id(), store);
        }
        p =
            Pipelines.open(
                pipeline, PipelineConfig.defaults().withStore(store).withVariant(variant));
        OPEN.put(key, p);
      }
      return p;
    }
  }

  /** Closes every pipeline this JVM opened (local mode, at the end of a job). */
  static void closeAll() {
    synchronized (OPEN) {
      for (Pipeline p : OPEN.values()) {
        p.close();
      }
      OPEN.clear();
    }
  }

  /** The row of input row {@code in} ({@link #INPUT}). */
  Row process(Row in) {
    long id = in.getLong(0);
    String path = in.getString(1);
    String label = in.isNullAt(2) ? null : in.getString(2);
    long t0 = System.nanoTime();
    try {
      return run(id, Path.of(path), label, t0);
    } catch (IOException | RuntimeException e) {
      return RowFactory.create(
          id,
          path,
          label,
          pipeline,
          false,
          message(e),
          null,
          0.0,
          0L,
          null,
          null,
          null,
          null,
          null,
          (System.nanoTime() - t0) / 1e9);
    }
  }

  private Row run(long id, Path path, String label, long t0) throws IOException {
    if (!Files.exists(path)) {
      throw new java.nio.file.NoSuchFileException(path.toString(), null, "file not found");
    }
    if (!Files.isRegularFile(path)) {
      throw new IOException(path + ": not a regular file");
    }
    List<Object[]> events = new ArrayList<>();
    Map<String, Float> max = new LinkedHashMap<>();
    Map<String, int[]> sweeps = new LinkedHashMap<>();
    List<float[]> frames = new ArrayList<>();
    String outputFile = null;
    long chunks = 0;
    double duration = 0;
    Integer fileRate = null;
    for (String variant : heads) {
      Pipeline p = open(variant);
      String head = variant == null ? p.name() : variant;
      ThresholdSweep sweep = new ThresholdSweep(thresholds, rearmChunks);
      boolean features = "features".equals(pipeline);
      boolean enhance = "enhance".equals(pipeline);
      WavWriter wav = null;
      Path wavPath = null;
      if (enhance && output == Output.FILES) {
        wavPath = Path.of(outDir, "audio", id + ".wav");
        Files.createDirectories(wavPath.getParent());
        wav = WavWriter.create(wavPath, p.sampleRate(), 1, WavWriter.Encoding.FLOAT32);
      }
      WavWriter w = wav;
      double shift = padSeconds;
      PipelineSink sink =
          new PipelineSink() {
            // the crossing score of each wake word whose utterance is still above the threshold
            private final Map<String, Float> crossing = new HashMap<>();

            @Override
            public void onEvent(PipelineEvent e) {
              if (e instanceof WakeWordStart st) {
                crossing.put(st.keyword(), st.score());
                return;
              }
              Object[] r = event(head, e, shift, crossing);
              if (r != null) {
                events.add(r);
              }
            }

            @Override
            public void onChunk(long endSample, float score) {
              sweep.accept(score);
            }

            @Override
            public void onFrame(long index, float[] frame, int length) {
              if (features) {
                frames.add(Arrays.copyOf(frame, length));
              }
            }

            @Override
            public void onAudio(float[] samples, int offset, int length) {
              if (w != null) {
                try {
                  w.write(samples, offset, length);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
            }
          };
      long samples;
      try (PipelineStream stream = p.newStream(sink);
          WavSource src = WavSource.open(path, p.sampleRate())) {
        fileRate = src.info().sampleRate();
        int pad = (int) Math.round(padSeconds * p.sampleRate());
        float[] buf = new float[BLOCK];
        pushZeros(stream, buf, pad);
        samples = 0;
        while (true) {
          int n = src.read(buf, 0, buf.length);
          if (n < 0) {
            break;
          }
          stream.push(buf, 0, n);
          samples += n;
        }
        pushZeros(stream, buf, pad);
        stream.endOfInput();
        chunks += stream.chunksRun();
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      } finally {
        if (wav != null) {
          wav.close();
        }
      }
      duration = samples / (double) p.sampleRate();
      if (thresholds.length > 0) {
        sweeps.put(head, sweep.counts());
      }
      if (!features && !enhance) {
        max.put(head, sweep.max());
      }
      if (wavPath != null) {
        outputFile = wavPath.toString();
      }
    }
    float[][] matrix = null;
    if ("features".equals(pipeline)) {
      if (output == Output.FILES) {
        Path npy = Path.of(outDir, "features", id + ".npy");
        Files.createDirectories(npy.getParent());
        int bins = frames.isEmpty() ? 0 : frames.get(0).length;
        float[] flat = new float[frames.size() * bins];
        for (int i = 0; i < frames.size(); i++) {
          System.arraycopy(frames.get(i), 0, flat, i * bins, bins);
        }
        Npy.writeFloat32(npy, flat, frames.size(), bins);
        outputFile = npy.toString();
      } else {
        matrix = frames.toArray(new float[0][]);
      }
    }
    return RowFactory.create(
        id,
        path.toString(),
        label,
        pipeline,
        true,
        null,
        fileRate,
        duration,
        chunks,
        CollectionConverters.asScala(rows(events)).toSeq(),
        max.isEmpty() ? null : CollectionConverters.asScala(max),
        sweeps.isEmpty() ? null : CollectionConverters.asScala(sweeps),
        matrix == null ? null : CollectionConverters.asScala(Arrays.asList(matrix)).toSeq(),
        outputFile,
        (System.nanoTime() - t0) / 1e9);
  }

  private static List<Row> rows(List<Object[]> values) {
    List<Row> out = new ArrayList<>(values.size());
    for (Object[] v : values) {
      out.add(RowFactory.create(v));
    }
    return out;
  }

  private static void pushZeros(PipelineStream stream, float[] buf, int n) throws IOException {
    Arrays.fill(buf, 0f);
    while (n > 0) {
      int k = Math.min(n, buf.length);
      stream.push(buf, 0, k);
      n -= k;
    }
  }

  /** The event values of {@code e}, times shifted back by the padding; null for other events. */
  private static Object[] event(
      String head, PipelineEvent e, double shift, Map<String, Float> crossing) {
    if (e instanceof SpeechSegment s) {
      return new Object[] {
        head,
        SPEECH,
        null,
        Math.max(0, s.start() - shift),
        Math.max(0, s.end() - shift),
        Math.max(0, s.start() - shift),
        null,
        null
      };
    }
    if (e instanceof WakeWordDetection d) { // score: at the crossing; peak: the utterance's
      Float atCrossing = crossing.remove(d.keyword());
      return new Object[] {
        head,
        WAKEWORD,
        d.keyword(),
        null,
        null,
        Math.max(0, d.time() - shift),
        atCrossing == null ? d.score() : atCrossing,
        d.score()
      };
    }
    if (e instanceof KeywordDetection k) {
      return new Object[] {
        head, KEYWORD, k.label(), null, null, Math.max(0, k.timeSeconds() - shift), k.score(), null
      };
    }
    return null;
  }

  /** One line for a failed file: the message, with its root cause when that adds something. */
  static String message(Throwable e) {
    String msg = e.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = e.getClass().getSimpleName();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) {
      msg = msg + ": " + root.getMessage();
    }
    return msg.replace('\n', ' ');
  }
}
