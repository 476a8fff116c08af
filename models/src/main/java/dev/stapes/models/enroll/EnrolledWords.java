package dev.stapes.models.enroll;

import dev.stapes.models.wakeword.EmbeddingHeads;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Enrolled words as {@link EmbeddingHeads} of a {@code WakeWordModel}: each word is one logistic
 * head on the stream's shared window of 16 embeddings, its score {@code sigmoid(logit -
 * threshold)}, so that 0.5 is the word's own calibrated threshold whatever it is, and the shared
 * {@code WakeWordDetector} treats enrolled and pre-trained words alike.
 *
 * <p>Cost model: 1536 multiply-adds per word per chunk on top of the one embedding the stream
 * computes anyway; nothing allocated. Immutable and thread-safe.
 */
public final class EnrolledWords implements EmbeddingHeads {

  private final List<String> names;
  private final float[][] weights;
  private final float[] biases; // bias - threshold
  private final float[][] verifiers; // null entries: no speaker lock
  private final float[] verifierBiases; // bias - threshold

  /**
   * The heads of {@code tasks}, in order.
   *
   * @throws IllegalArgumentException when two tasks share a name, or the list is empty
   */
  public EnrolledWords(List<WakeWordTask> tasks) {
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("tasks is empty, expected 1 or more");
    }
    List<String> n = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    weights = new float[tasks.size()][];
    biases = new float[tasks.size()];
    verifiers = new float[tasks.size()][];
    verifierBiases = new float[tasks.size()];
    for (int i = 0; i < tasks.size(); i++) {
      WakeWordTask t = tasks.get(i);
      if (!seen.add(t.name())) {
        throw new IllegalArgumentException(
            "two tasks are named '" + t.name() + "', expected distinct names");
      }
      n.add(t.name());
      weights[i] = t.head().weights();
      biases[i] = (float) (t.head().bias() - t.threshold());
      if (t.verifier() != null) {
        verifiers[i] = t.verifier().weights();
        verifierBiases[i] = (float) (t.verifier().bias() - t.verifierThreshold());
      }
    }
    this.names = List.copyOf(n);
  }

  private static float dot(float[] w, float[] x, int off) {
    float s0 = 0;
    float s1 = 0;
    for (int i = 0; i < w.length; i += 2) {
      s0 += w[i] * x[off + i];
      s1 += w[i + 1] * x[off + i + 1];
    }
    return s0 + s1;
  }

  @Override
  public List<String> keywords() {
    return names;
  }

  @Override
  public int window() {
    return Embedder.WINDOW;
  }

  @Override
  public void score(float[] embeddings, int offset, float[] dst, int dstOffset) {
    for (int k = 0; k < weights.length; k++) {
      float[] w = weights[k];
      float s0 = 0;
      float s1 = 0;
      float s2 = 0;
      float s3 = 0;
      for (int i = 0; i < w.length; i += 4) {
        s0 += w[i] * embeddings[offset + i];
        s1 += w[i + 1] * embeddings[offset + i + 1];
        s2 += w[i + 2] * embeddings[offset + i + 2];
        s3 += w[i + 3] * embeddings[offset + i + 3];
      }
      float z = (s0 + s1) + (s2 + s3) + biases[k];
      if (z >= 0
          && verifiers[k] != null
          && dot(verifiers[k], embeddings, offset) + verifierBiases[k] < 0) {
        z = -z; // the word, but not the enrolled voice: below the threshold, by as much
      }
      dst[dstOffset + k] = (float) (1 / (1 + Math.exp(-z)));
    }
  }
}
