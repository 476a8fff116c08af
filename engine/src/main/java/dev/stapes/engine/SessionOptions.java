package dev.stapes.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link Session} is built: execution provider, threads, graph optimisation, an optional
 * cache of the optimised model, and warm-up runs. Immutable; build with {@link #builder()}.
 */
public final class SessionOptions {
  /** Where the model runs. */
  public enum ExecutionProvider {
    /** ONNX Runtime's CPU kernels (always available). */
    CPU,
    /**
     * NVIDIA CUDA: needs the {@code onnxruntime_gpu} artifact (build with {@code -Pgpu}), CUDA 12
     * and cuDNN 9 libraries and a driver. Unavailable pieces give an {@link
     * ExecutionProviderException} naming what is missing.
     */
    CUDA
  }

  /** ONNX Runtime graph optimisation levels. */
  public enum OptimizationLevel {
    /** No graph optimisation. */
    NONE,
    /** Constant folding, redundant node elimination. */
    BASIC,
    /** Basic plus complex node fusions. */
    EXTENDED,
    /** Everything, including layout optimisations (ONNX Runtime's default). */
    ALL
  }

  private static final SessionOptions DEFAULTS = builder().build();

  private final ExecutionProvider executionProvider;
  private final int deviceId;
  private final int intraOpThreads;
  private final int interOpThreads;
  private final OptimizationLevel optimizationLevel;
  private final Path optimizedModelCache;
  private final int warmupRuns;
  private final boolean allowSpinning;

  private SessionOptions(Builder b) {
    this.executionProvider = b.executionProvider;
    this.deviceId = b.deviceId;
    this.intraOpThreads = b.intraOpThreads;
    this.interOpThreads = b.interOpThreads;
    this.optimizationLevel = b.optimizationLevel;
    this.optimizedModelCache = b.optimizedModelCache;
    this.warmupRuns = b.warmupRuns;
    this.allowSpinning = b.allowSpinning;
  }

  /** CPU, ONNX Runtime's default threads, all optimisations, no cache, no warm-up. */
  public static SessionOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this object's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.executionProvider = executionProvider;
    b.deviceId = deviceId;
    b.intraOpThreads = intraOpThreads;
    b.interOpThreads = interOpThreads;
    b.optimizationLevel = optimizationLevel;
    b.optimizedModelCache = optimizedModelCache;
    b.warmupRuns = warmupRuns;
    b.allowSpinning = allowSpinning;
    return b;
  }

  public ExecutionProvider executionProvider() {
    return executionProvider;
  }

  /** GPU device index for {@link ExecutionProvider#CUDA}. */
  public int deviceId() {
    return deviceId;
  }

  /** Threads within one operator; 0 lets ONNX Runtime choose (one per physical core). */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  /** Threads across independent operators; 0 lets ONNX Runtime choose. */
  public int interOpThreads() {
    return interOpThreads;
  }

  public OptimizationLevel optimizationLevel() {
    return optimizationLevel;
  }

  /** File that caches the optimised model, or null for none. */
  public Path optimizedModelCache() {
    return optimizedModelCache;
  }

  /** Runs on zero inputs after loading, so that the first real run is not the slow one. */
  public int warmupRuns() {
    return warmupRuns;
  }

  /**
   * Whether ONNX Runtime's intra-op threads spin while waiting for work (ONNX Runtime's default:
   * lower latency, more CPU). Off suits small devices and many concurrent sessions.
   */
  public boolean allowSpinning() {
    return allowSpinning;
  }

  @Override
  public String toString() {
    return "SessionOptions[executionProvider="
        + executionProvider
        + ", deviceId="
        + deviceId
        + ", intraOpThreads="
        + intraOpThreads
        + ", interOpThreads="
        + interOpThreads
        + ", optimizationLevel="
        + optimizationLevel
        + ", optimizedModelCache="
        + optimizedModelCache
        + ", warmupRuns="
        + warmupRuns
        + ", allowSpinning="
        + allowSpinning
        + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionOptions s
        && s.executionProvider == executionProvider
        && s.deviceId == deviceId
        && s.intraOpThreads == intraOpThreads
        && s.interOpThreads == interOpThreads
        && s.optimizationLevel == optimizationLevel
        && Objects.equals(s.optimizedModelCache, optimizedModelCache)
        && s.warmupRuns == warmupRuns
        && s.allowSpinning == allowSpinning;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        executionProvider,
        deviceId,
        intraOpThreads,
        interOpThreads,
        optimizationLevel,
        optimizedModelCache,
        warmupRuns,
        allowSpinning);
  }

  /** Builder of {@link SessionOptions}; every setting is optional. Not thread-safe. */
  public static final class Builder {
    private ExecutionProvider executionProvider = ExecutionProvider.CPU;
    private int deviceId;
    private int intraOpThreads;
    private int interOpThreads;
    private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
    private Path optimizedModelCache;
    private int warmupRuns;
    private boolean allowSpinning = true;

    private Builder() {}

    /** Execution provider; CPU by default. */
    public Builder optExecutionProvider(ExecutionProvider provider) {
      this.executionProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** CUDA on GPU {@code deviceId} (0 for the first GPU). */
    public Builder optCuda(int deviceId) {
      if (deviceId < 0) {
        throw new IllegalArgumentException("deviceId=" + deviceId + ", expected >= 0");
      }
      this.executionProvider = ExecutionProvider.CUDA;
      this.deviceId = deviceId;
      return this;
    }

    /** Intra-op threads, 0 (ONNX Runtime chooses) to 1024. */
    public Builder optIntraOpThreads(int threads) {
      this.intraOpThreads = checkThreads("intraOpThreads", threads);
      return this;
    }

    /** Inter-op threads, 0 (ONNX Runtime chooses) to 1024. */
    public Builder optInterOpThreads(int threads) {
      this.interOpThreads = checkThreads("interOpThreads", threads);
      return this;
    }

    private static int checkThreads(String name, int threads) {
      if (threads < 0 || threads > 1024) {
        throw new IllegalArgumentException(
            name + "=" + threads + ", expected 0 (ONNX Runtime's default) to 1024");
      }
      return threads;
    }

    /** Graph optimisation level; {@link OptimizationLevel#ALL} by default. */
    public Builder optOptimizationLevel(OptimizationLevel level) {
      this.optimizationLevel = Objects.requireNonNull(level, "level");
      return this;
    }

    /**
     * Caches the optimised model in {@code file} (null: no cache). The first session writes it
     * (with a {@code .key} sidecar recording the model's SHA-256, the ONNX Runtime version, the
     * provider and the level); later sessions with the same key load it with optimisation off.
     */
    public Builder optOptimizedModelCache(Path file) {
      this.optimizedModelCache = file;
      return this;
    }

    /** Warm-up runs on zero inputs after loading, 0 to 1000 (0 by default). */
    public Builder optWarmupRuns(int runs) {
      if (runs < 0 || runs > 1000) {
        throw new IllegalArgumentException("warmupRuns=" + runs + ", expected 0 to 1000");
      }
      this.warmupRuns = runs;
      return this;
    }

    /** Whether intra-op threads spin while waiting (true by default, as in ONNX Runtime). */
    public Builder optAllowSpinning(boolean allow) {
      this.allowSpinning = allow;
      return this;
    }

    public SessionOptions build() {
      return new SessionOptions(this);
    }
  }
}
