package dev.stapes.models.vad;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-clip voice activity detection: runs a {@link VadStream} chunk by chunk (the last chunk
 * zero-padded, as Silero's {@code get_speech_timestamps} does) through a {@link SpeechSegmenter}.
 * It runs the {@link VadPipeline} stream over the caller's {@link VadStream}; for live audio use
 * {@link VadPipeline} directly.
 */
public final class VoiceActivityDetector {

  private VoiceActivityDetector() {}

  /**
   * The speech segments of {@code audio} (mono float in [-1, 1] at the stream's rate). The stream
   * is reset first.
   */
  public static List<SpeechSegment> segments(
      VadStream stream, float[] audio, SegmenterOptions options) {
    List<SpeechSegment> out = new ArrayList<>();
    stream.reset();
    // the VAD pipeline's own stream over the caller's: one chunker, one segmenter, one padding rule
    try (PipelineStream s =
        VadPipeline.over(stream, options, PipelineSink.collect(SpeechSegment.class, out))) {
      s.push(audio, 0, audio.length);
      s.endOfInput();
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    return out;
  }

  /** The speech probability of every chunk of {@code audio}; the stream is reset first. */
  public static float[] probabilities(VadStream stream, float[] audio) {
    int chunk = stream.chunkSamples();
    int n = (audio.length + chunk - 1) / chunk;
    float[] probs = new float[n];
    float[] last = new float[chunk];
    stream.reset();
    for (int i = 0; i < n; i++) {
      int off = i * chunk;
      if (off + chunk <= audio.length) {
        probs[i] = stream.process(audio, off);
      } else {
        System.arraycopy(audio, off, last, 0, audio.length - off);
        probs[i] = stream.process(last, 0);
      }
    }
    return probs;
  }
}
