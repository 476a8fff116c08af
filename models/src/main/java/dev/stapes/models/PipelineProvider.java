package dev.stapes.models;

import dev.stapes.store.ModelEntry;
import java.io.IOException;
import java.util.List;

/**
 * The catalog entry of one pipeline: its name, the store entries of its models and how to open it.
 * One implementation per pipeline package, listed in {@code
 * META-INF/services/dev.stapes.models.PipelineProvider}; {@link Pipelines} finds them, and the
 * model store learns their models from them. That line and the package are all a new pipeline
 * needs: {@code ./stapes models list} and {@code models fetch}, the real-time harness ({@code
 * ./stapes bench rt --pipeline NAME}) and the budget check pick it up by name.
 */
public interface PipelineProvider {

  /** The pipeline's name: lower case, unique ({@code "vad"}). */
  String name();

  /** One line: what the pipeline does. */
  String description();

  /** The store entries of the pipeline's models (fetched on first use); empty for none. */
  default List<ModelEntry> models() {
    return List.of();
  }

  /**
   * Opens the pipeline.
   *
   * @throws IllegalArgumentException for a bad setting (the message names it and the valid values)
   * @throws IOException when a model cannot be fetched or read
   */
  Pipeline open(PipelineConfig config) throws IOException;
}
