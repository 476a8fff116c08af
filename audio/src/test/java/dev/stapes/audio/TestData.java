package dev.stapes.audio;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test-only readers for the committed fixtures (16-bit PCM WAV, float32 .npy). */
final class TestData {
  private TestData() {}

  static byte[] resource(String name) {
    try (InputStream in = TestData.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The corpus folder {@code ../shared/corpus}; skips (fails under CI=true) when absent. */
  static Path corpus(String file) {
    Path p = Path.of(System.getProperty("stapes.root", "."), "..", "shared", "corpus", file);
    if (!Files.isRegularFile(p)) {
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true and corpus file missing: " + p);
      }
      assumeTrue(false, "corpus file absent: " + p);
    }
    return p;
  }

  /** Input of a fixture: "audio/x.wav" (resource) or "corpus:x.wav". */
  static float[] input(String src, int samples) {
    byte[] b;
    try {
      b = src.startsWith("corpus:") ? Files.readAllBytes(corpus(src.substring(7))) : resource(src);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    float[] x = pcm16(b);
    if (samples < x.length) {
      x = java.util.Arrays.copyOf(x, samples);
    }
    return x;
  }

  /** Mono 16-bit PCM WAV to floats in [-1, 1] (minimal: finds the data chunk). */
  static float[] pcm16(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int p = 12;
    while (p + 8 <= b.length) {
      String id = new String(b, p, 4, StandardCharsets.US_ASCII);
      int size = bb.getInt(p + 4);
      if (id.equals("data")) {
        int n = Math.min(size, b.length - p - 8) / 2;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
          x[i] = bb.getShort(p + 8 + 2 * i) / 32768f;
        }
        return x;
      }
      p += 8 + size + (size & 1);
    }
    throw new IllegalArgumentException("no data chunk");
  }

  /** A float32 little-endian C-order .npy: shape and data. */
  record Npy(int[] shape, float[] data) {}

  static Npy npy(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int major = b[6];
    int headerLen = major == 1 ? (bb.getShort(8) & 0xffff) : bb.getInt(8);
    int start = major == 1 ? 10 : 12;
    String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
    if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
      throw new IllegalArgumentException("expected <f4 C-order npy, got " + header);
    }
    String shape = header.substring(header.indexOf("'shape': (") + 10);
    shape = shape.substring(0, shape.indexOf(')'));
    List<Integer> dims = new ArrayList<>();
    for (String s : shape.split(",")) {
      if (!s.isBlank()) {
        dims.add(Integer.parseInt(s.trim()));
      }
    }
    int[] sh = dims.stream().mapToInt(Integer::intValue).toArray();
    int n = 1;
    for (int d : sh) {
      n *= d;
    }
    float[] data = new float[n];
    bb.position(start + headerLen);
    bb.asFloatBuffer().get(data);
    return new Npy(sh, data);
  }
}
