package dev.stapes.models.vad;

import java.util.ArrayList;
import java.util.List;

/**
 * Whole-clip voice activity detection: runs a {@link VadStream} chunk by chunk (the last chunk
 * zero-padded, as Silero's {@code get_speech_timestamps} does) through a {@link SpeechSegmenter}.
 * For live audio use the two directly.
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
    int rate = stream.sampleRate();
    int chunk = stream.chunkSamples();
    SpeechSegmenter seg =
        new SpeechSegmenter(
            options,
            rate,
            chunk,
            new SpeechSegmenter.Listener() {
              @Override
              public void speechStart(long startSample) {}

              @Override
              public void speechEnd(long startSample, long endSample) {
                out.add(new SpeechSegment(startSample, endSample, rate));
              }
            });
    stream.reset();
    float[] last = new float[chunk];
    for (int off = 0; off < audio.length; off += chunk) {
      float p;
      if (off + chunk <= audio.length) {
        p = stream.process(audio, off);
      } else {
        java.util.Arrays.fill(last, 0f);
        System.arraycopy(audio, off, last, 0, audio.length - off);
        p = stream.process(last, 0);
      }
      seg.accept(p);
    }
    seg.finish(audio.length);
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
