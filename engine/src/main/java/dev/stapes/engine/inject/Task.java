package dev.stapes.engine.inject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A named set of adapters, each with a scale multiplier (1 = as trained). LoRA and bottleneck
 * branches multiply their scale by it; task embeddings take it as 1.
 */
public final class Task {
  /** One adapter of a task and its multiplier. */
  public record Part(Adapter adapter, float scale) {
    public Part {
      Objects.requireNonNull(adapter, "adapter");
      if (!Float.isFinite(scale)) {
        throw new IllegalArgumentException(
            "scale=" + scale + " for adapter " + adapter.name() + ", expected a finite number");
      }
      if (adapter instanceof TaskEmbedding && scale != 1f) {
        throw new IllegalArgumentException(
            "scale="
                + scale
                + " for task embedding "
                + adapter.name()
                + ", expected 1 (task embeddings have no scale)");
      }
    }
  }

  private final String name;
  private final List<Part> parts;

  private Task(String name, List<Part> parts) {
    this.name = name;
    this.parts = Collections.unmodifiableList(new ArrayList<>(parts));
  }

  /** A task applying {@code adapters}, each at scale 1. */
  public static Task of(String name, Adapter... adapters) {
    Builder b = builder(name);
    for (Adapter a : adapters) {
      b.add(a);
    }
    return b.build();
  }

  /** A builder for a task named {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The task name. */
  public String name() {
    return name;
  }

  /** Its adapters, in the order they apply. */
  public List<Part> parts() {
    return parts;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Task[name=").append(name).append(", parts=[");
    for (int i = 0; i < parts.size(); i++) {
      b.append(i == 0 ? "" : ", ")
          .append(parts.get(i).adapter().name())
          .append(" x")
          .append(parts.get(i).scale());
    }
    return b.append("]]").toString();
  }

  /** Builds a {@link Task}. */
  public static final class Builder {
    private final String name;
    private final List<Part> parts = new ArrayList<>();

    private Builder(String name) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("task name is empty");
      }
      this.name = name;
    }

    /** Adds an adapter at scale 1. */
    public Builder add(Adapter adapter) {
      return add(adapter, 1f);
    }

    /** Adds an adapter with a scale multiplier. */
    public Builder add(Adapter adapter, float scale) {
      for (Part p : parts) {
        if (p.adapter().name().equals(adapter.name())) {
          throw new IllegalArgumentException(
              "task " + name + " already holds an adapter named " + adapter.name());
        }
      }
      parts.add(new Part(adapter, scale));
      return this;
    }

    /** The task. */
    public Task build() {
      return new Task(name, parts);
    }
  }
}
