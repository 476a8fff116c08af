package dev.stapes.models.kws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** KWT-1 (imported once per JVM) and the audio the KWS tests use. */
final class KwsFixtures {
  private KwsFixtures() {}

  static final List<String> VOICES = List.of("en-us", "en-gb-x-rp", "en_f3", "en-us_m7");
  static final List<String> KEYWORDS =
      List.of("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go");
  static final List<String> OTHERS = List.of("hello", "seven", "house", "music", "bird");

  private static Session session;

  static Path shared(String relative) {
    Path root = Path.of(System.getProperty("stapes.root", ".")).toAbsolutePath().normalize();
    Path p = root.resolve("../shared").resolve(relative).normalize();
    if ("true".equals(System.getenv("CI"))) {
      assertFalse(!Files.exists(p), "required test data missing under CI=true: " + p);
    }
    assumeTrue(Files.exists(p), "test data absent: " + p);
    return p;
  }

  /**
   * The store the KWS tests use: the environment's cache, and the mirror of the environment or else
   * {@code ../shared/models}.
   */
  static ModelStore store() {
    Path mirror = ModelStore.defaultMirror();
    if (mirror == null) {
      mirror = shared("models");
    }
    return new ModelStore(ModelStore.defaultCache(), mirror, "npm");
  }

  /** KWT-1 as ONNX, from the store (imported from TFLite on first fetch). */
  static Path kwt1() throws IOException {
    return store().onnx(ModelCatalog.KWT1);
  }

  /** One shared single-threaded session of KWT-1 for the whole test JVM. */
  static synchronized Session session() throws IOException {
    if (session == null) {
      session =
          Session.open(
              kwt1(), SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    }
    return session;
  }

  static KeywordSpotter spotter(KwsOptions options) throws IOException {
    return new KeywordSpotter(session(), options);
  }

  /** A synthesised clip from the test resources, 16 kHz. */
  static float[] espeak(String word, String voice) throws IOException {
    String name = "/kws/espeak/" + word + "_" + voice + ".wav";
    try (InputStream in = KwsFixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing test resource " + name);
      }
      return pcm16(in.readAllBytes());
    }
  }

  static float[] corpus(String clip) throws IOException {
    return pcm16(Files.readAllBytes(shared("corpus/" + clip)));
  }

  static float[] pcm16(byte[] b) throws IOException {
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
    throw new IOException("no data chunk");
  }

  static float[] silence(double seconds) {
    return new float[(int) Math.round(seconds * 16000)];
  }

  static float[] concat(List<float[]> parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] out = new float[n];
    int o = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
