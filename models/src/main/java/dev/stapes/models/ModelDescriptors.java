package dev.stapes.models;

import dev.stapes.engine.StreamSpec;
import dev.stapes.models.enhance.GtcrnDescriptor;

/**
 * How each third-party model in the store streams, as data: the {@link StreamSpec} (audio input,
 * chunk size, context samples, state pairs, constant inputs, input scale) that the engine follows.
 * The engine has no model-specific code; these descriptors stand in for the {@code stapes.*}
 * metadata that the third-party files lack.
 */
public final class ModelDescriptors {

  /** Silero VAD v5: chunk samples at 16 kHz. */
  public static final int SILERO_CHUNK_16K = 512;

  /** Silero VAD v5: chunk samples at 8 kHz. */
  public static final int SILERO_CHUNK_8K = 256;

  /** openWakeWord: samples per chunk (80 ms at 16 kHz). */
  public static final int OWW_CHUNK = 1280;

  /** openWakeWord: samples carried into each mel call (3 hops of 160). */
  public static final int OWW_MEL_CONTEXT = 480;

  /** openWakeWord: mel frames per mel call (1760 samples, window 512, hop 160). */
  public static final int OWW_MEL_FRAMES_PER_CALL = 8;

  /** openWakeWord: mel bins. */
  public static final int OWW_MEL_BINS = 32;

  /** openWakeWord: mel frames per embedding window. */
  public static final int OWW_EMBEDDING_WINDOW = 76;

  /** openWakeWord: values per embedding. */
  public static final int OWW_EMBEDDING_DIM = 96;

  private ModelDescriptors() {}

  /**
   * Silero VAD v5 at {@code sampleRate} (8000 or 16000 Hz): input {@code input} [1, context +
   * chunk] with 64 (32 at 8 kHz) samples of context, state {@code state} &lt;- {@code stateN} [2,
   * 1, 128] from zeros, constant {@code sr} (int64 scalar), float audio in [-1, 1], output {@code
   * output} [1, 1] (speech probability).
   *
   * @throws IllegalArgumentException for any other rate
   */
  public static StreamSpec sileroVad(int sampleRate) {
    int chunk;
    int context;
    if (sampleRate == 16000) {
      chunk = SILERO_CHUNK_16K;
      context = 64;
    } else if (sampleRate == 8000) {
      chunk = SILERO_CHUNK_8K;
      context = 32;
    } else {
      throw new IllegalArgumentException(
          "sampleRate="
              + sampleRate
              + " Hz, expected 8000 or 16000 Hz for model 'silero-vad-v5' (resample first)");
    }
    return StreamSpec.builder()
        .setAudioInput("input")
        .setChunkSamples(chunk)
        .optContextSamples(context)
        .optAudioShape(1, context + chunk)
        .addState("state", "stateN", 2, 1, 128)
        .addConstantInt64("sr", sampleRate)
        .addOutput("output")
        .optScale(StreamSpec.Scale.UNIT)
        .optSampleRate(sampleRate)
        .build();
  }

  /**
   * openWakeWord's mel model: input {@code input} [1, 1760] = 480 samples of context + 1280 new
   * ones, int16-scaled floats; output {@code output} [1, 1, 8, 32] (dB, floored 80 dB below the
   * call's maximum).
   */
  public static StreamSpec owwMelspectrogram() {
    return StreamSpec.builder()
        .setAudioInput("input")
        .setChunkSamples(OWW_CHUNK)
        .optContextSamples(OWW_MEL_CONTEXT)
        .optAudioShape(1, OWW_MEL_CONTEXT + OWW_CHUNK)
        .addOutput("output")
        .optScale(StreamSpec.Scale.INT16)
        .optSampleRate(16000)
        .build();
  }

  /**
   * openWakeWord's embedding model, fed one window of 76 mel frames at a time: input {@code
   * input_1} [1, 76, 32, 1], output {@code conv2d_19} [1, 1, 1, 96].
   */
  public static StreamSpec owwEmbedding() {
    return StreamSpec.builder()
        .setAudioInput("input_1")
        .setChunkSamples(OWW_EMBEDDING_WINDOW * OWW_MEL_BINS)
        .optAudioShape(1, OWW_EMBEDDING_WINDOW, OWW_MEL_BINS, 1)
        .addOutput("conv2d_19")
        .build();
  }

  /**
   * An openWakeWord classifier, fed a window of {@code windows} embeddings: input {@code inputName}
   * [1, windows, 96], its only output {@code outputName} [1, classes].
   */
  public static StreamSpec owwClassifier(String inputName, String outputName, int windows) {
    return StreamSpec.builder()
        .setAudioInput(inputName)
        .setChunkSamples(windows * OWW_EMBEDDING_DIM)
        .optAudioShape(1, windows, OWW_EMBEDDING_DIM)
        .addOutput(outputName)
        .build();
  }

  /**
   * GTCRN ({@code gtcrn_simple.onnx}): one STFT frame per run as the "audio" input {@code mix} [1,
   * 257, 1, 2] (514 floats, bin k real then imaginary, the layout of {@code StreamingStft}), three
   * caches carried from zeros ({@code conv_cache <- conv_cache_out} [2, 1, 16, 16, 33], {@code
   * tra_cache <- tra_cache_out} [2, 3, 1, 1, 16], {@code inter_cache <- inter_cache_out} [2, 1, 33,
   * 16]), output {@code enh} (the enhanced frame, same layout). See {@code
   * dev.stapes.models.enhance.GtcrnDescriptor} for the STFT around it.
   */
  public static StreamSpec gtcrn() {
    StreamSpec.Builder b =
        StreamSpec.builder()
            .setAudioInput(GtcrnDescriptor.INPUT)
            .setChunkSamples(GtcrnDescriptor.FRAME_FLOATS)
            .optAudioShape(GtcrnDescriptor.frameShape())
            .addOutput(GtcrnDescriptor.OUTPUT)
            .optScale(StreamSpec.Scale.UNIT)
            .optSampleRate(GtcrnDescriptor.SAMPLE_RATE);
    for (GtcrnDescriptor.StatePair st : GtcrnDescriptor.STATES) {
      b.addState(st.input(), st.output(), st.shape());
    }
    return b.build();
  }
}
