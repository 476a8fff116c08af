package dev.stapes.models.enroll;

/**
 * The enrolled word's head: logistic regression on openWakeWord's window of 16 embeddings (1536
 * values, the input of its own classifiers), {@code logit = w . x + b}. Immutable.
 *
 * <p>{@link #train} fits it by full-batch Adam on standardised features with class-balanced
 * log-loss and an L2 penalty, then folds the standardisation into {@code w} and {@code b}, so that
 * scoring is one dot product: 1536 multiply-adds per chunk, nothing allocated.
 */
public final class LogisticHead {

  /** Training settings. */
  public record Options(int epochs, double learningRate, double l2) {

    /** The measured default: 80 epochs, rate 0.05, L2 1e-2. */
    public static Options defaults() {
      return new Options(80, 0.05, 1e-2);
    }
  }

  private final float[] w;
  private final float b;

  /** A head from its weights ({@code w} is copied). */
  public LogisticHead(float[] w, float b) {
    this.w = w.clone();
    this.b = b;
  }

  /** Inputs (window x 96). */
  public int size() {
    return w.length;
  }

  /** A copy of the weights. */
  public float[] weights() {
    return w.clone();
  }

  /** The bias. */
  public float bias() {
    return b;
  }

  /** The logit of the window at {@code x[off, off + size())}. */
  public float logit(float[] x, int off) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int n = w.length;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += w[i] * x[off + i];
      s1 += w[i + 1] * x[off + i + 1];
      s2 += w[i + 2] * x[off + i + 2];
      s3 += w[i + 3] * x[off + i + 3];
    }
    for (; i < n; i++) {
      s0 += w[i] * x[off + i];
    }
    return (s0 + s1) + (s2 + s3) + b;
  }

  /**
   * Fits a head to rows of {@code x} ({@code rows x d}, row-major) with labels {@code y} (1 for the
   * word, 0 otherwise).
   */
  public static LogisticHead train(float[] x, byte[] y, int d, Options o) {
    int rows = y.length;
    if (x.length != (long) rows * d) {
      throw new IllegalArgumentException(
          "x.length=" + x.length + ", expected rows * d = " + rows + " * " + d);
    }
    int pos = 0;
    for (byte v : y) {
      pos += v;
    }
    if (pos == 0 || pos == rows) {
      throw new IllegalArgumentException(
          "positives=" + pos + " of " + rows + " rows, expected both classes");
    }
    double[] mean = new double[d];
    double[] sd = new double[d];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < d; j++) {
        mean[j] += x[r * d + j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= rows;
    }
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < d; j++) {
        double v = x[r * d + j] - mean[j];
        sd[j] += v * v;
      }
    }
    float[] mu = new float[d];
    float[] inv = new float[d];
    for (int j = 0; j < d; j++) {
      mu[j] = (float) mean[j];
      inv[j] = (float) (1 / Math.sqrt(sd[j] / rows + 1e-6));
    }
    float[] z = new float[x.length];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < d; j++) {
        z[r * d + j] = (x[r * d + j] - mu[j]) * inv[j];
      }
    }
    float wPos = (float) (0.5 / pos);
    float wNeg = (float) (0.5 / (rows - pos));
    float[] w = new float[d];
    float bias = 0;
    float[] g = new float[d];
    float[] m = new float[d];
    float[] v = new float[d];
    double mb = 0;
    double vb = 0;
    double b1 = 0.9;
    double b2 = 0.999;
    for (int epoch = 1; epoch <= o.epochs(); epoch++) {
      java.util.Arrays.fill(g, 0f);
      double gb = 0;
      for (int r = 0; r < rows; r++) {
        int off = r * d;
        float s = bias;
        for (int j = 0; j < d; j++) {
          s += w[j] * z[off + j];
        }
        double p = 1 / (1 + Math.exp(-s));
        float err = (float) ((p - y[r]) * (y[r] == 1 ? wPos : wNeg));
        for (int j = 0; j < d; j++) {
          g[j] += err * z[off + j];
        }
        gb += err;
      }
      double c1 = 1 - Math.pow(b1, epoch);
      double c2 = 1 - Math.pow(b2, epoch);
      for (int j = 0; j < d; j++) {
        double gj = g[j] + o.l2() * w[j];
        m[j] = (float) (b1 * m[j] + (1 - b1) * gj);
        v[j] = (float) (b2 * v[j] + (1 - b2) * gj * gj);
        w[j] -= (float) (o.learningRate() * (m[j] / c1) / (Math.sqrt(v[j] / c2) + 1e-8));
      }
      mb = b1 * mb + (1 - b1) * gb;
      vb = b2 * vb + (1 - b2) * gb * gb;
      bias -= (float) (o.learningRate() * (mb / c1) / (Math.sqrt(vb / c2) + 1e-8));
    }
    // fold the standardisation: w . ((x - mu) * inv) + b = (w * inv) . x + (b - sum w * inv * mu)
    float[] wf = new float[d];
    double bf = bias;
    for (int j = 0; j < d; j++) {
      wf[j] = w[j] * inv[j];
      bf -= (double) wf[j] * mu[j];
    }
    return new LogisticHead(wf, (float) bf);
  }
}
