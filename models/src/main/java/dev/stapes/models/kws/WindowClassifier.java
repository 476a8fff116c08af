package dev.stapes.models.kws;

/** Classifies one window of audio into logits. Used by one thread at a time. */
public interface WindowClassifier extends AutoCloseable {

  /**
   * Writes the logits of {@code window} (16000 samples at 16 kHz in [-1, 1], read from {@code
   * offset}) into {@code logits} (12 values, in {@link KeywordSpotter#LABELS} order).
   */
  void classify(float[] window, int offset, float[] logits) throws java.io.IOException;

  @Override
  void close();
}
