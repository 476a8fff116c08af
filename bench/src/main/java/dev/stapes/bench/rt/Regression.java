package dev.stapes.bench.rt;

import java.util.Arrays;
import java.util.Locale;

/**
 * Deliberate regressions wrapped around a pipeline, to show that the budget check catches them
 * ({@code ./stapes bench --check --inject-regression alloc}) and to test it.
 */
public enum Regression {
  /** No regression: the pipeline itself. */
  NONE,
  /** Copies each chunk into a new array before processing it: one allocation per chunk. */
  ALLOC,
  /** Processes each chunk twice: twice the work. */
  DOUBLE;

  /** Parses a name as written on the command line ({@code none}, {@code alloc}, {@code double}). */
  public static Regression parse(String s) {
    for (Regression r : values()) {
      if (r.name().equalsIgnoreCase(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "regression=" + s + ", expected one of " + Arrays.toString(names()));
  }

  static String[] names() {
    String[] out = new String[values().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = values()[i].name().toLowerCase(Locale.ROOT);
    }
    return out;
  }

  /** Wraps {@code p} so that it has this regression; {@link #NONE} returns {@code p}. */
  public ChunkPipeline wrap(ChunkPipeline p) {
    if (this == NONE) {
      return p;
    }
    Regression kind = this;
    return new ChunkPipeline() {
      private float[] sink = new float[0];

      @Override
      public String name() {
        return p.name();
      }

      @Override
      public int sampleRate() {
        return p.sampleRate();
      }

      @Override
      public int chunkSamples() {
        return p.chunkSamples();
      }

      @Override
      public void process(float[] chunk) {
        if (kind == ALLOC) {
          sink = Arrays.copyOf(chunk, chunk.length);
          p.process(sink);
        } else {
          p.process(chunk);
          p.process(chunk);
        }
      }

      @Override
      public double checksum() {
        return p.checksum() + sink.length;
      }

      @Override
      public void close() {
        p.close();
      }
    };
  }
}
