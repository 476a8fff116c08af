package dev.stapes.bench.rt;

import dev.stapes.bench.jmh.BenchModels;
import dev.stapes.engine.ElementType;
import dev.stapes.engine.Session;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.ValueInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-channel (binaural) streaming model, the Look Once to Hear class target-speech extractor
 * by default ({@code ../shared/models/loth/loth.onnx}, written by {@code
 * bench/src/main/python/make_loth_model.py}), through one {@link Stream} on one intra-op thread.
 * The streaming contract comes from the model's {@code stapes.*} metadata; the audio tensor's last
 * dimension is the channel count, and the window is time-major interleaved. The harness's mono
 * chunk goes to every ear, each ear {@value #EAR_DELAY} samples later than the one before (a source
 * off to one side). Every bound input (the speaker embedding) gets a fixed tensor of its declared
 * shape. {@link #chunkSamples()} counts frames (samples per ear), so the deadline is the chunk's
 * duration.
 */
public final class HearablePipeline implements ChunkPipeline {
  static final int EAR_DELAY = 3;

  private final Session session;
  private final Stream stream;
  private final List<Tensor> bound = new ArrayList<>();
  private final int rate;
  private final int channels;
  private final int frames;
  private final float[] interleaved;
  private final float[] history = new float[EAR_DELAY * 8];
  private final String output;
  private final String name;
  private double sum;

  /** The default model: the generated Look Once to Hear class model beside the project. */
  static Path defaultModel() {
    return BenchModels.shared("models", "loth", "loth.onnx");
  }

  HearablePipeline(Path model) {
    Path file = model != null ? model : defaultModel();
    if (!Files.isRegularFile(file)) {
      throw new PipelineUnavailableException(
          "--model "
              + file
              + ": no such file (bench/src/main/python/make_loth_model.py --out"
              + " ../shared/models/loth writes it)");
    }
    session = Pipelines.oneThread(file);
    try {
      StreamSpec spec = session.streamSpecFromMetadata();
      if (spec == null || spec.audioShape() == null || spec.audioShape().length < 2) {
        throw new IllegalArgumentException(
            "--model "
                + file
                + ": pipeline 'hearable' needs stapes.* metadata with stapes.audio_shape"
                + " [1, frames, channels]");
      }
      long[] shape = spec.audioShape();
      channels = (int) shape[shape.length - 1];
      if (channels < 1 || channels > 8 || spec.chunkSamples() % channels != 0) {
        throw new IllegalArgumentException(
            "--model "
                + file
                + ": stapes.audio_shape last dimension "
                + channels
                + ", expected 1 to 8 channels dividing stapes.chunk_samples="
                + spec.chunkSamples());
      }
      rate = spec.sampleRate() > 0 ? spec.sampleRate() : 16000;
      frames = spec.chunkSamples() / channels;
      interleaved = new float[spec.chunkSamples()];
      stream = session.newStream(spec);
      for (String in : stream.boundInputs()) {
        ValueInfo v = session.input(in);
        long[] s = v.shape();
        for (int i = 0; i < s.length; i++) {
          s[i] = Math.max(s[i], 1);
        }
        Tensor t = Tensor.zeros(ElementType.FLOAT, s);
        FloatBuffer f = t.writableData().asFloatBuffer();
        for (int i = 0; i < f.capacity(); i++) {
          f.put(i, (float) Math.sin(i * 0.1));
        }
        bound.add(t);
        stream.bind(in, t);
      }
      output = spec.outputs().isEmpty() ? null : spec.outputs().get(0);
      name = "hearable:" + file.getFileName();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return rate;
  }

  @Override
  public int chunkSamples() {
    return frames;
  }

  @Override
  public void process(float[] chunk) {
    int d = EAR_DELAY;
    int hist = d * (channels - 1);
    for (int i = 0; i < frames; i++) {
      for (int c = 0; c < channels; c++) {
        int j = i - c * d; // ear c hears the sample c * d frames ago
        interleaved[i * channels + c] = j >= 0 ? chunk[j] : history[hist + j];
      }
    }
    if (hist > 0) {
      System.arraycopy(chunk, frames - hist, history, 0, hist);
    }
    stream.process(interleaved);
    sum += output != null ? stream.outputFloat(output, 0) : stream.chunksProcessed();
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    if (stream != null) {
      stream.close();
    }
    for (Tensor t : bound) {
      t.close();
    }
    session.close();
  }
}
