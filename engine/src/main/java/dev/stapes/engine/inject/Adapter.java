package dev.stapes.engine.inject;

import java.util.Set;

/**
 * Task-specific weights for named modules of a base model: a {@link LoraAdapter}, a {@link
 * BottleneckAdapter} or a {@link TaskEmbedding}. Immutable.
 */
public sealed interface Adapter permits LoraAdapter, BottleneckAdapter, TaskEmbedding {
  /** A name for messages and scale changes (the directory or file name when read from disk). */
  String name();

  /** The PyTorch module names this adapter touches. */
  Set<String> modules();
}
