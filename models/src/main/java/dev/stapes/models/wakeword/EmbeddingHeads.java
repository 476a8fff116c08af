package dev.stapes.models.wakeword;

import java.util.List;

/**
 * Further keywords scored on a {@link WakeWordStream}'s shared embeddings: the hook through which
 * enrolled words ({@code dev.stapes.models.enroll}) sit beside the pre-trained classifiers. The
 * stream computes one embedding per chunk; each head here reads the latest {@link #window()}
 * embeddings and costs only its own arithmetic.
 *
 * <p>Implementations are immutable and shared by every stream of a model: {@link #score} keeps no
 * state, allocates nothing and may be called from several threads at once.
 */
public interface EmbeddingHeads {

  /** The keywords, in score order. */
  List<String> keywords();

  /** Embeddings per window (openWakeWord's classifiers use 16). */
  int window();

  /**
   * Scores the window of {@link #window()} embeddings of 96 values (oldest first) that starts at
   * {@code embeddings[offset]}, writing one score in [0, 1] per keyword to {@code dst} from {@code
   * dstOffset}. A score of at least 0.5 means the keyword's calibrated threshold is reached.
   */
  void score(float[] embeddings, int offset, float[] dst, int dstOffset);
}
