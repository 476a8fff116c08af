package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the GTCRN mirror files for tests; skips (or fails under CI=true) when absent. */
final class TestData {
  private TestData() {}

  static Path gtcrnDir() {
    String mirror = System.getenv("STAPES_MODEL_MIRROR");
    Path dir;
    if (mirror != null && !mirror.isBlank()) {
      dir = Path.of(mirror, GtcrnDescriptor.STORE_NAME);
    } else {
      String root = System.getProperty("stapes.root", ".");
      dir = Path.of(root).resolve("../shared/models").resolve(GtcrnDescriptor.STORE_NAME);
    }
    boolean present = Files.isRegularFile(dir.resolve(GtcrnDescriptor.FILE));
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("GTCRN mirror missing under CI=true: " + dir.toAbsolutePath());
    }
    assumeTrue(present, "GTCRN model not found in " + dir.toAbsolutePath());
    return dir;
  }

  static Path modelFile() {
    return gtcrnDir().resolve(GtcrnDescriptor.FILE);
  }

  /** Reads a 16-bit PCM mono WAV as floats in [-1, 1) (x / 32768), for the mirror's clips. */
  static float[] readPcm16Mono(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    b.position(12);
    while (b.remaining() >= 8) {
      int id = b.getInt();
      int size = b.getInt();
      if (id == 0x61746164) { // "data"
        float[] out = new float[size / 2];
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getShort() / 32768f;
        }
        return out;
      }
      b.position(b.position() + size + (size & 1));
    }
    throw new IOException("no data chunk in " + file);
  }
}
