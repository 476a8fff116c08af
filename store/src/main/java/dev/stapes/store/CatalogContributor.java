package dev.stapes.store;

import java.util.List;

/**
 * The store entries of one model family, contributed by the module that owns the models.
 *
 * <p>Implementations are listed in {@code META-INF/services/dev.stapes.store.CatalogContributor}
 * and must have a public no-argument constructor; {@link ModelRegistry} gathers them once.
 */
public interface CatalogContributor {

  /** The entries, in the order {@code ./stapes models list} shows them; never null. */
  List<ModelEntry> entries();
}
