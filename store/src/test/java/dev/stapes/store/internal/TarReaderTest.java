package dev.stapes.store.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarReaderTest {

  /** Writes a ustar archive; enough to exercise the reader. */
  static final class TarWriter {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TarWriter entry(String name, char type, byte[] data) {
      byte[] h = new byte[512];
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
      octal(h, 100, 8, 0644);
      octal(h, 108, 8, 0);
      octal(h, 116, 8, 0);
      octal(h, 124, 12, data.length);
      octal(h, 136, 12, 0);
      h[156] = (byte) type;
      byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(magic, 0, h, 257, magic.length);
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      octal(h, 148, 7, sum);
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
      return this;
    }

    TarWriter file(String name, String content) {
      return entry(name, '0', content.getBytes(StandardCharsets.UTF_8));
    }

    byte[] finish() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }

    private static void octal(byte[] h, int off, int len, long v) {
      String s = String.format("%0" + (len - 1) + "o", v);
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(b, 0, h, off, b.length);
      h[off + len - 1] = 0;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 511, 512, 513, 1031, 4096})
  void readsRegularFilesOfAwkwardSizesAndSkipsDirectories(int size) throws IOException {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    byte[] tar =
        new TarWriter()
            .entry("package/", '5', new byte[0])
            .entry("package/a.bin", '0', data)
            .file("package/b.txt", "hello")
            .finish();
    TarReader r = new TarReader(new ByteArrayInputStream(tar));
    assertEquals("package/a.bin", r.next());
    assertEquals(size, r.size());
    assertArrayEquals(data, r.stream().readAllBytes());
    assertEquals("package/b.txt", r.next());
    assertEquals("hello", new String(r.stream().readAllBytes(), StandardCharsets.UTF_8));
    assertNull(r.next());
  }

  @Test
  void skipsUnreadEntryData() throws IOException {
    byte[] tar = new TarWriter().file("x/one", "a".repeat(700)).file("x/two", "second").finish();
    TarReader r = new TarReader(new ByteArrayInputStream(tar));
    assertEquals("x/one", r.next());
    assertEquals("x/two", r.next());
    assertEquals("second", new String(r.stream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void usesPaxPathAndGnuLongName() throws IOException {
    String longName = "package/" + "d".repeat(120) + "/model.onnx";
    String rec = "path=" + longName + "\n";
    int len = rec.length() + 4; // "NNN " prefix, three digits
    String pax = len + " " + rec;
    byte[] tar =
        new TarWriter()
            .entry("PaxHeader", 'x', pax.getBytes(StandardCharsets.UTF_8))
            .file("truncated-name", "pax")
            .entry("././@LongLink", 'L', (longName + "2\0").getBytes(StandardCharsets.UTF_8))
            .file("truncated-name-2", "gnu")
            .finish();
    TarReader r = new TarReader(new ByteArrayInputStream(tar));
    assertEquals(longName, r.next());
    assertEquals(longName + "2", r.next());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../evil", "package/../../evil", "/etc/passwd", "a/..", ".", "a\\b"})
  void refusesPathTraversal(String name) {
    byte[] tar = new TarWriter().file(name, "x").finish();
    IOException e =
        assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(tar)).next());
    assertTrue(e.getMessage().contains("refusing"), e.getMessage());
  }

  @Test
  void normalisesDotComponents() throws IOException {
    byte[] tar = new TarWriter().file("./package//dist/./m.onnx", "x").finish();
    assertEquals("package/dist/m.onnx", new TarReader(new ByteArrayInputStream(tar)).next());
  }

  @Test
  void reportsCorruptHeaderAndTruncation() {
    byte[] tar = new TarWriter().file("package/a", "data").finish();
    byte[] corrupt = tar.clone();
    corrupt[10] ^= 1;
    IOException e =
        assertThrows(
            IOException.class, () -> new TarReader(new ByteArrayInputStream(corrupt)).next());
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());

    byte[] truncated = java.util.Arrays.copyOf(tar, 300);
    assertThrows(
        IOException.class, () -> new TarReader(new ByteArrayInputStream(truncated)).next());

    byte[] cutData = java.util.Arrays.copyOf(tar, 514);
    assertThrows(
        IOException.class,
        () -> {
          TarReader r = new TarReader(new ByteArrayInputStream(cutData));
          r.next();
          r.stream().readAllBytes();
        });
  }
}
