package dev.stapes.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every {@link ModelEntry} that the modules on the class path contribute ({@link
 * CatalogContributor}s found through {@link ServiceLoader}), by store name. The store itself knows
 * no model: the module that owns a model family declares its entries.
 *
 * <p>Thread safety: immutable after the first use; any thread.
 */
public final class ModelRegistry {

  private ModelRegistry() {}

  private static final class Holder {
    static final Map<String, ModelEntry> BY_NAME = load();
  }

  private static Map<String, ModelEntry> load() {
    Map<String, ModelEntry> m = new LinkedHashMap<>();
    for (CatalogContributor c :
        ServiceLoader.load(CatalogContributor.class, ModelRegistry.class.getClassLoader())) {
      for (ModelEntry e : c.entries()) {
        if (m.put(e.name(), e) != null) {
          throw new IllegalStateException(
              "duplicate model name '"
                  + e.name()
                  + "' in catalog ("
                  + c.getClass().getName()
                  + ")");
        }
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** Every entry, in contribution order. */
  public static List<ModelEntry> entries() {
    return List.copyOf(new ArrayList<>(Holder.BY_NAME.values()));
  }

  /**
   * The entry called {@code name}.
   *
   * @throws IllegalArgumentException if there is none; the message lists the valid names
   */
  public static ModelEntry get(String name) {
    ModelEntry e = Holder.BY_NAME.get(name);
    if (e == null) {
      throw new IllegalArgumentException(
          "Unknown model '" + name + "', expected one of " + Holder.BY_NAME.keySet());
    }
    return e;
  }
}
