package dev.stapes.models;

import dev.stapes.store.CatalogContributor;
import dev.stapes.store.ModelEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every {@link PipelineProvider} on the class path, by name: the one list of pipelines. The names
 * are derived from the providers, never kept by hand.
 *
 * <p>Thread safety: immutable after the first use; any thread.
 */
public final class Pipelines {

  private Pipelines() {}

  private static final class Holder {
    static final Map<String, PipelineProvider> BY_NAME = load();
  }

  private static Map<String, PipelineProvider> load() {
    Map<String, PipelineProvider> m = new LinkedHashMap<>();
    for (PipelineProvider p :
        ServiceLoader.load(PipelineProvider.class, Pipelines.class.getClassLoader())) {
      if (m.put(p.name(), p) != null) {
        throw new IllegalStateException(
            "duplicate pipeline name '" + p.name() + "' (" + p.getClass().getName() + ")");
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** The names of every pipeline, in provider order. */
  public static List<String> names() {
    return List.copyOf(Holder.BY_NAME.keySet());
  }

  /** Every provider, in order. */
  public static List<PipelineProvider> providers() {
    return List.copyOf(new ArrayList<>(Holder.BY_NAME.values()));
  }

  /**
   * The provider called {@code name}.
   *
   * @throws IllegalArgumentException if there is none; the message lists the valid names
   */
  public static PipelineProvider provider(String name) {
    PipelineProvider p = Holder.BY_NAME.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "pipeline=" + name + ", expected one of " + Holder.BY_NAME.keySet());
    }
    return p;
  }

  /**
   * Opens the pipeline called {@code name}.
   *
   * @throws IllegalArgumentException for an unknown name or a bad setting
   * @throws IOException when a model cannot be fetched or read
   */
  public static Pipeline open(String name, PipelineConfig config) throws IOException {
    return provider(name).open(config);
  }

  /**
   * Contributes the models of every pipeline to the model store's catalog; listed in {@code
   * META-INF/services/dev.stapes.store.CatalogContributor}.
   */
  public static final class Models implements CatalogContributor {
    /** Needed by {@link ServiceLoader}. */
    public Models() {}

    @Override
    public List<ModelEntry> entries() {
      List<ModelEntry> out = new ArrayList<>();
      for (PipelineProvider p : Holder.BY_NAME.values()) {
        out.addAll(p.models());
      }
      return out;
    }
  }
}
