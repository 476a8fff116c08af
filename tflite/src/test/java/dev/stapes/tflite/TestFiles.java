package dev.stapes.tflite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Paths to shared test data, and small readers that keep the tests free of other modules. */
final class TestFiles {
  private TestFiles() {}

  static boolean ci() {
    return "true".equals(System.getenv("CI"));
  }

  static Path root() {
    return Path.of(System.getProperty("stapes.root", ".")).toAbsolutePath().normalize();
  }

  /** A file under {@code ../shared}; skipped when absent, a failure under CI=true. */
  static Path shared(String relative) {
    Path p = root().resolve("../shared").resolve(relative).normalize();
    if (ci()) {
      assertFalse(!Files.exists(p), "required test data missing under CI=true: " + p);
    }
    assumeTrue(Files.exists(p), "test data absent: " + p);
    return p;
  }

  /** Samples of a 16-bit PCM mono WAV file, scaled by 1/32768. */
  static float[] pcm16(Path wav) throws IOException {
    byte[] b = Files.readAllBytes(wav);
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 12;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
      int len = bb.getInt(pos + 4);
      if (id.equals("data")) {
        float[] x = new float[len / 2];
        for (int i = 0; i < x.length; i++) {
          x[i] = bb.getShort(pos + 8 + 2 * i) / 32768f;
        }
        return x;
      }
      pos += 8 + len + (len & 1);
    }
    throw new IOException("no data chunk in " + wav);
  }

  /** The numbers of the JSON array that follows {@code "key": [} after {@code anchor}. */
  static float[] jsonArrayAfter(String json, String anchor, String key) {
    int a = json.indexOf(anchor);
    if (a < 0) {
      throw new IllegalArgumentException("anchor " + anchor + " not found");
    }
    int k = json.indexOf("\"" + key + "\"", a);
    int open = json.indexOf('[', k);
    int close = json.indexOf(']', open);
    Matcher m =
        Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?").matcher(json.substring(open, close));
    List<Float> values = new ArrayList<>();
    while (m.find()) {
      values.add(Float.parseFloat(m.group()));
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
