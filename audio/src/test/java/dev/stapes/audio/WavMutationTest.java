package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutation of valid WAV files (bit flips, byte overwrites, truncations, size and
 * header field corruption, inserted and duplicated chunks): every mutant either decodes cleanly or
 * fails with a one-line {@link WavFormatException}; never another exception, an OutOfMemoryError,
 * or a hang, and never more frames than the bytes present can hold.
 */
class WavMutationTest {
  static final int ITERATIONS = 4000;
  static final long SEED = 0x5EED_2026L;

  @TempDir Path dir;

  static List<byte[]> seeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    int[][] layouts = {{1, 8}, {1, 16}, {1, 24}, {1, 32}, {3, 32}, {3, 64}, {6, 8}, {7, 8}};
    for (int[] l : layouts) {
      for (boolean ext : new boolean[] {false, true}) {
        WavBytes w = new WavBytes();
        w.formatTag = l[0];
        w.bitsPerSample = l[1];
        w.channels = ext ? 3 : 2;
        w.extensible = ext && l[0] <= 3;
        w.subFormat = l[0];
        if (ext) {
          w.chunk("LIST", new byte[13], false);
          w.chunk("fact", WavBytes.le32(40), false);
        }
        seeds.add(
            w.build(WavBytes.encode(WavReaderTest.signal(40 * w.channels, 1), l[1], l[0] == 3)));
      }
    }
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(AudioFilesTest.resources().resolve("enc"), "*.wav")) {
      for (Path p : ds) {
        if (Files.size(p) < 20_000) {
          seeds.add(Files.readAllBytes(p));
        }
      }
    }
    return seeds;
  }

  static byte[] mutate(byte[] in, Random rnd) {
    byte[] b = in.clone();
    if (b.length < 16) {
      return b; // a truncation already made it short; mutate no further
    }
    int kind = rnd.nextInt(8);
    switch (kind) {
      case 0: // bit flips
        for (int i = 1 + rnd.nextInt(8); i > 0; i--) {
          int p = rnd.nextInt(b.length);
          b[p] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
      case 1: // bit flips in the header only
        for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
          int p = rnd.nextInt(Math.min(b.length, 100));
          b[p] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
      case 2: // truncation
        return Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      case 3: // a 32-bit field set to an awkward value
        {
          long[] values = {0, 1, 0xFFFFFFFFL, 0xFFFFFFFEL, 0x80000000L, 0x7FFFFFFFL, rnd.nextInt()};
          int p = rnd.nextInt(Math.max(1, Math.min(b.length, 80) - 3));
          System.arraycopy(WavBytes.le32(values[rnd.nextInt(values.length)]), 0, b, p, 4);
          return b;
        }
      case 4: // a 16-bit field (channels, bits, tag, block align) set to an awkward value
        {
          int[] values = {0, 1, 2, 3, 12, 255, 256, 257, 0x7FFF, 0xFFFE, 0xFFFF};
          int p = 20 + rnd.nextInt(Math.max(1, Math.min(b.length, 70) - 21));
          int v = values[rnd.nextInt(values.length)];
          if (p + 1 < b.length) {
            b[p] = (byte) v;
            b[p + 1] = (byte) (v >> 8);
          }
          return b;
        }
      case 5: // a chunk inserted at a random position, with a random (often lying) size
        {
          int p = 12 + rnd.nextInt(Math.max(1, b.length - 12));
          int len = rnd.nextInt(20);
          byte[] c = new byte[8 + len];
          System.arraycopy(WavBytes.ascii(rnd.nextBoolean() ? "JUNK" : "data"), 0, c, 0, 4);
          long size = rnd.nextBoolean() ? len : rnd.nextInt() & 0xFFFFFFFFL;
          System.arraycopy(WavBytes.le32(size), 0, c, 4, 4);
          byte[] out = new byte[b.length + c.length];
          System.arraycopy(b, 0, out, 0, p);
          System.arraycopy(c, 0, out, p, c.length);
          System.arraycopy(b, p, out, p + c.length, b.length - p);
          return out;
        }
      case 6: // a random run of random bytes
        {
          int p = rnd.nextInt(b.length);
          int len = Math.min(b.length - p, 1 + rnd.nextInt(16));
          for (int i = 0; i < len; i++) {
            b[p + i] = (byte) rnd.nextInt();
          }
          return b;
        }
      default: // two mutations
        return mutate(mutate(in, rnd), rnd);
    }
  }

  @Test
  void mutatedFilesDecodeCleanlyOrFailWithOneLineWavFormatException() throws IOException {
    List<byte[]> seeds = seeds();
    Path file = dir.resolve("m.wav");
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          Random rnd = new Random(SEED);
          float[] dst = new float[5000];
          for (int it = 0; it < ITERATIONS; it++) {
            byte[] m = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            int chunk = 1 + rnd.nextInt(700);
            int mode = it % 5;
            try {
              long frames = 0;
              if (mode == 0) {
                Files.write(file, m);
                try (WavSource s = WavSource.open(file, rnd.nextBoolean() ? 16000 : 8000)) {
                  long max = s.length();
                  int k;
                  while ((k = s.read(dst, 0, chunk)) >= 0) {
                    frames += k;
                  }
                  assertTrue(frames == max, "it=" + it + " " + frames + " vs " + max);
                }
              } else if (mode == 1) {
                Files.write(file, m);
                try (WavReader r = WavReader.open(file)) {
                  frames = drain(r, dst, chunk);
                  assertTrue(frames == r.info().frames(), "it=" + it);
                  assertTrue(frames * r.info().channels() <= m.length, "it=" + it);
                }
              } else {
                try (WavReader r = WavReader.open(new ByteArrayInputStream(m), "m.wav")) {
                  frames = drain(r, dst, chunk);
                  assertTrue(frames * r.info().channels() <= m.length, "it=" + it);
                }
              }
              outcomes[0]++;
            } catch (WavFormatException e) {
              assertTrue(
                  !e.getMessage().contains("\n") && e.getMessage().contains("m.wav"),
                  e.getMessage());
              outcomes[1]++;
            } catch (RuntimeException | IOException e) {
              fail("iteration " + it + ": " + e, e);
            }
          }
        });
    // both outcomes must occur, or the mutations are too weak or too strong
    assertTrue(
        outcomes[0] > ITERATIONS / 10 && outcomes[1] > ITERATIONS / 10, Arrays.toString(outcomes));
  }

  static long drain(WavReader r, float[] dst, int chunk) throws IOException {
    long n = 0;
    int k;
    while ((k = r.read(dst, 0, chunk)) >= 0) {
      n += k;
    }
    return n;
  }
}
