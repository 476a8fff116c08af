package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class WavReaderTest {
  @TempDir Path dir;

  /** A deterministic multi-channel test signal in (-1, 1): channel c is a tone plus a ramp. */
  static double[] signal(int frames, int channels) {
    double[] x = new double[frames * channels];
    for (int f = 0; f < frames; f++) {
      for (int c = 0; c < channels; c++) {
        x[f * channels + c] =
            0.8 * Math.sin(2 * Math.PI * (0.013 + 0.007 * c) * f) * ((f % 17) / 17.0 - 0.5) * 1.9;
      }
    }
    return x;
  }

  static float[] readAll(WavReader r, int chunk) throws IOException {
    float[] out = new float[1024];
    float[] tmp = new float[chunk];
    int n = 0;
    int k;
    while ((k = r.read(tmp, 0, chunk)) >= 0) {
      if (n + k > out.length) {
        out = Arrays.copyOf(out, 2 * (n + k));
      }
      System.arraycopy(tmp, 0, out, n, k);
      n += k;
    }
    return Arrays.copyOf(out, n);
  }

  Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  static Stream<Arguments> encodings() {
    return Stream.of(
        Arguments.of(1, 8, false, 1.0 / 128),
        Arguments.of(1, 16, false, 1.0 / 32768),
        Arguments.of(1, 24, false, 1.0 / (1 << 23)),
        Arguments.of(1, 32, false, 1e-7),
        Arguments.of(3, 32, false, 1e-7),
        Arguments.of(3, 64, false, 1e-7));
  }

  @ParameterizedTest(name = "tag={0} bits={1} extensible={2}")
  @MethodSource("encodingsTimesLayout")
  void decodesEveryEncodingAndLayoutToTheSameSignal(
      int tag, int bits, boolean extensible, double quantum, int channels) throws IOException {
    int frames = 1009;
    double[] x = signal(frames, channels);
    WavBytes w = new WavBytes();
    w.formatTag = tag;
    w.bitsPerSample = bits;
    w.channels = channels;
    w.sampleRate = 22050;
    w.extensible = extensible;
    w.subFormat = tag;
    byte[] file = w.build(WavBytes.encode(x, bits, tag == 3));
    Path p = write("e.wav", file);
    for (int pick = -1; pick < channels; pick++) {
      ChannelMode mode = pick < 0 ? ChannelMode.AVERAGE : ChannelMode.channel(pick);
      try (WavReader r = WavReader.open(p, mode)) {
        WavInfo info = r.info();
        assertEquals(22050, info.sampleRate());
        assertEquals(channels, info.channels());
        assertEquals(frames, info.frames());
        assertEquals(bits, info.bitsPerSample());
        assertFalse(info.truncated());
        assertTrue(info.warnings().isEmpty(), info.warnings().toString());
        float[] y = readAll(r, 61);
        assertEquals(frames, y.length);
        for (int f = 0; f < frames; f++) {
          double want = 0;
          if (pick < 0) {
            for (int c = 0; c < channels; c++) {
              want += x[f * channels + c];
            }
            want /= channels;
          } else {
            want = x[f * channels + pick];
          }
          assertEquals(want, y[f], quantum + 1e-6, "frame " + f + " " + mode);
        }
      }
    }
  }

  static Stream<Arguments> encodingsTimesLayout() {
    return encodings()
        .flatMap(
            a ->
                Stream.of(1, 2, 3, 6)
                    .flatMap(
                        ch ->
                            Stream.of(false, true)
                                .map(
                                    ext ->
                                        Arguments.of(
                                            a.get()[0], a.get()[1], ext, a.get()[3], ch))));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 64, 1000, 4096, 100_000})
  void readsTheSameSamplesForAnyReadSize(int chunk) throws IOException {
    double[] x = signal(20_011, 2);
    Path p = write("c.wav", new WavBytes().build(WavBytes.encode(x, 16, false)));
    // the builder wrote 2-channel data into a 1-channel header: 40022 mono frames
    float[] ref;
    try (WavReader r = WavReader.open(p)) {
      ref = readAll(r, 100_000);
    }
    try (WavReader r = WavReader.open(p)) {
      assertArrayEquals(ref, readAll(r, chunk));
    }
    try (WavReader r = WavReader.open(new ByteArrayInputStream(Files.readAllBytes(p)), "c.wav")) {
      assertArrayEquals(ref, readAll(r, chunk));
    }
  }

  @Test
  void skipsUnknownChunksWithOddSizesBeforeAndAfterFmt() throws IOException {
    double[] x = signal(100, 1);
    WavBytes w = new WavBytes();
    w.chunk("JUNK", new byte[27], true);
    w.chunk("LIST", "INFOISFT\u0005\u0000\u0000\u0000Lavf\u0000".getBytes(), false);
    w.chunk("fact", WavBytes.le32(100), false);
    w.chunk("cue ", new byte[3], false);
    w.chunk("bext", new byte[1], false);
    Path p = write("chunks.wav", w.build(WavBytes.encode(x, 16, false)));
    try (WavReader r = WavReader.open(p)) {
      float[] y = readAll(r, 7);
      assertEquals(100, y.length);
      assertEquals(x[50], y[50], 1.0 / 32768);
    }
  }

  @Test
  void decodesG711() throws IOException {
    // mu-law 0xFF and A-law 0xD5 are (near) zero; 0x80 / 0xAA are near full scale
    WavBytes mu = new WavBytes();
    mu.formatTag = 7;
    mu.bitsPerSample = 8;
    WavBytes al = new WavBytes();
    al.formatTag = 6;
    al.bitsPerSample = 8;
    try (WavReader r =
        WavReader.open(
            write("mu.wav", mu.build(new byte[] {(byte) 0xFF, 0x00, (byte) 0x80, 0x7F})))) {
      float[] y = readAll(r, 10);
      assertEquals(0f, y[0]);
      assertEquals(-32124 / 32768f, y[1]);
      assertEquals(32124 / 32768f, y[2]);
      assertEquals(0f, y[3]);
    }
    try (WavReader r =
        WavReader.open(
            write("al.wav", al.build(new byte[] {(byte) 0xD5, (byte) 0xAA, 0x2A, 0x55})))) {
      float[] y = readAll(r, 10);
      assertEquals(8 / 32768f, y[0]);
      assertEquals(32256 / 32768f, y[1]);
      assertEquals(-32256 / 32768f, y[2]);
      assertEquals(-8 / 32768f, y[3]);
    }
  }

  // ---------------------------------------------------------------- bad input

  WavFormatException rejects(byte[] bytes) throws IOException {
    Path p = write("bad.wav", bytes);
    WavFormatException e =
        assertThrows(
            WavFormatException.class,
            () -> {
              try (WavReader r = WavReader.open(p)) {
                readAll(r, 4096);
              }
            });
    WavFormatException s =
        assertThrows(
            WavFormatException.class,
            () -> {
              try (WavReader r = WavReader.open(new ByteArrayInputStream(bytes), "bad.wav")) {
                readAll(r, 4096);
              }
            });
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains("'bad.wav'"), e.getMessage());
    assertEquals(
        e.getMessage().replaceAll("\\d+ bytes left", ""),
        s.getMessage().replaceAll("\\d+ bytes left", ""));
    return e;
  }

  static byte[] valid() {
    return new WavBytes().build(WavBytes.encode(signal(50, 1), 16, false));
  }

  @Test
  void rejectsAnEmptyFile() throws IOException {
    assertEquals(
        "'bad.wav' is empty (0 bytes), expected a WAV file", rejects(new byte[0]).getMessage());
  }

  @Test
  void rejectsEveryTruncationOfTheHeader() throws IOException {
    byte[] v = valid();
    for (int len = 1; len < 44; len++) {
      String m = rejects(Arrays.copyOf(v, len)).getMessage();
      assertFalse(m.contains("not a WAV file"), m);
    }
    assertEquals(
        "'bad.wav' ends after 3 bytes, inside the 12-byte RIFF header",
        rejects(Arrays.copyOf(v, 3)).getMessage());
  }

  @Test
  void rejectsFilesThatAreNotWave() throws IOException {
    byte[] v = valid();
    byte[] id3 = v.clone();
    System.arraycopy(WavBytes.ascii("ID3\u0003"), 0, id3, 0, 4);
    String m = rejects(id3).getMessage();
    assertTrue(m.startsWith("'bad.wav' starts with an ID3v2 tag") && m.contains("MP3"), m);
    byte[] ogg = v.clone();
    System.arraycopy(WavBytes.ascii("OggS"), 0, ogg, 0, 4);
    assertEquals(
        "'bad.wav' looks like Ogg (Vorbis, Opus or FLAC in Ogg), a format Stapes does not read (it"
            + " reads WAV and FLAC); convert it first, e.g. ffmpeg -i 'bad.wav' -ar 16000 -ac 1"
            + " 'bad-16k.wav'",
        rejects(ogg).getMessage());
    byte[] rifx = v.clone();
    rifx[3] = 'X';
    assertTrue(rejects(rifx).getMessage().contains("big-endian RIFX"));
    byte[] avi = v.clone();
    System.arraycopy(WavBytes.ascii("AVI "), 0, avi, 8, 4);
    assertTrue(rejects(avi).getMessage().contains("form 'AVI ', expected 'WAVE'"));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 257, 65535})
  void rejectsZeroOrAbsurdChannelCounts(int channels) throws IOException {
    WavBytes w = new WavBytes();
    w.channels = channels;
    assertEquals(
        "channels=" + channels + " in 'bad.wav', expected 1..256",
        rejects(w.build(new byte[64])).getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 999, 768_001, Integer.MAX_VALUE, -1})
  void rejectsZeroOrAbsurdSampleRates(int rate) throws IOException {
    WavBytes w = new WavBytes();
    w.sampleRate = rate;
    assertEquals(
        "sampleRate=" + (rate & 0xFFFFFFFFL) + " Hz in 'bad.wav', expected 1000..768000 Hz",
        rejects(w.build(new byte[64])).getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 4, 12, 20, 48, 64})
  void rejectsUnsupportedPcmBitDepths(int bits) throws IOException {
    WavBytes w = new WavBytes();
    w.bitsPerSample = bits;
    assertEquals(
        "bitsPerSample=" + bits + " for PCM in 'bad.wav', expected 8, 16, 24 or 32",
        rejects(w.build(new byte[64])).getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {8, 16, 24})
  void rejectsUnsupportedFloatBitDepths(int bits) throws IOException {
    WavBytes w = new WavBytes();
    w.formatTag = 3;
    w.bitsPerSample = bits;
    assertEquals(
        "bitsPerSample=" + bits + " for IEEE float in 'bad.wav', expected 32 or 64",
        rejects(w.build(new byte[64])).getMessage());
  }

  @Test
  void rejectsUnsupportedFormatCodesByName() throws IOException {
    WavBytes w = new WavBytes();
    w.formatTag = 0x55;
    assertEquals(
        "formatTag=0x0055 (MPEG Layer 3) in 'bad.wav', expected 0x0001 (PCM), 0x0003 (IEEE float),"
            + " 0x0006 (A-law), 0x0007 (mu-law) or 0xFFFE (extensible)",
        rejects(w.build(new byte[64])).getMessage());
    w.formatTag = 2;
    assertTrue(
        rejects(w.build(new byte[64])).getMessage().startsWith("formatTag=0x0002 (MS ADPCM)"));
    WavBytes e = new WavBytes();
    e.extensible = true;
    e.subFormat = 2;
    assertTrue(
        rejects(e.build(new byte[64]))
            .getMessage()
            .contains("sub-format 00000002-0000-0010-8000-00aa00389b71"));
    WavBytes g = new WavBytes();
    g.extensible = true;
    g.guidTail = new byte[14];
    assertTrue(
        rejects(g.build(new byte[64])).getMessage().contains("WAVE_FORMAT_EXTENSIBLE sub-format"));
  }

  @Test
  void rejectsAMissingDataChunk() throws IOException {
    byte[] v = valid();
    byte[] noData = Arrays.copyOf(v, 36); // RIFF header and fmt chunk only
    assertEquals(
        "'bad.wav' has no data chunk (the file ends at byte 36)", rejects(noData).getMessage());
    // a data chunk renamed: skipped as unknown, then the file ends inside it
    byte[] renamed = v.clone();
    System.arraycopy(WavBytes.ascii("dat4"), 0, renamed, 36, 4);
    assertEquals(
        "'bad.wav' has no data chunk (the file ends at byte " + renamed.length + ")",
        rejects(renamed).getMessage());
  }

  @Test
  void rejectsADataChunkBeforeTheFmtChunk() throws IOException {
    WavBytes w = new WavBytes();
    w.chunk("data", new byte[8], true);
    assertEquals(
        "'bad.wav' has its data chunk before the fmt chunk, expected fmt first",
        rejects(w.build(new byte[8])).getMessage());
  }

  @ParameterizedTest
  @ValueSource(longs = {0xFFFFFFFFL, 0xFFFFFFFEL, 0x80000000L, 0x7FFFFFFFL, 1L << 31 | 1})
  void chunkSizesNearTwoToTheThirtyTwoAreBoundedByTheFile(long size) throws IOException {
    // an unknown chunk that claims ~4 GiB: the reader skips to the end and reports no data
    WavBytes w = new WavBytes();
    byte[] bytes = w.build(new byte[100]);
    byte[] withList = new byte[bytes.length + 8];
    System.arraycopy(bytes, 0, withList, 0, 36);
    System.arraycopy(WavBytes.ascii("LIST"), 0, withList, 36, 4);
    System.arraycopy(WavBytes.le32(size), 0, withList, 40, 4);
    System.arraycopy(bytes, 36, withList, 44, bytes.length - 36);
    long t0 = System.nanoTime();
    String m = rejects(withList).getMessage();
    assertTrue(
        m.startsWith("'bad.wav' has no data chunk: its 'LIST' chunk at byte 36 declares " + size),
        m);
    // a fmt chunk that claims ~4 GiB
    byte[] fmt = bytes.clone();
    System.arraycopy(WavBytes.le32(size), 0, fmt, 16, 4);
    rejects(fmt);
    assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "bounded time");
  }

  @ParameterizedTest
  @ValueSource(longs = {0xFFFFFFFEL, 0x80000000L, 0x7FFFF000L, 1002})
  void aDataChunkThatClaimsMoreThanTheFileHoldsIsDecodedAndReported(long size) throws IOException {
    double[] x = signal(500, 1);
    WavBytes w = new WavBytes();
    w.dataSizeOverride = size;
    byte[] bytes = w.build(WavBytes.encode(x, 16, false));
    Path p = write("trunc.wav", bytes);
    try (WavReader r = WavReader.open(p)) {
      assertTrue(r.info().truncated());
      assertEquals(500, r.info().frames());
      assertEquals(size / 2, r.info().declaredFrames());
      assertEquals(1, r.info().warnings().size());
      assertEquals(
          "'trunc.wav' is truncated: its data chunk declares "
              + size
              + " bytes ("
              + size / 2
              + " frames) but only 1000 bytes (500 frames) are there; decoded the frames present",
          r.info().warnings().get(0));
      assertEquals(500, readAll(r, 333).length);
    }
    // the same through a stream: discovered at the end
    try (WavReader r = WavReader.open(new ByteArrayInputStream(bytes), "trunc.wav")) {
      assertFalse(r.info().truncated());
      assertEquals(size / 2, r.info().frames());
      assertEquals(500, readAll(r, 333).length);
      assertTrue(r.info().truncated());
      assertEquals(500, r.info().frames());
      assertEquals(1, r.info().warnings().size());
    }
  }

  @Test
  void aDataSizeOfAllOnesMeansUntilTheEndOfTheFile() throws IOException {
    WavBytes w = new WavBytes();
    w.dataSizeOverride = 0xFFFFFFFFL;
    w.riffSizeOverride = 0xFFFFFFFFL;
    byte[] bytes = w.build(WavBytes.encode(signal(301, 1), 16, false));
    try (WavReader r = WavReader.open(write("pipe.wav", bytes))) {
      assertFalse(r.info().truncated());
      assertEquals(301, r.info().frames());
      assertEquals(-1, r.info().declaredFrames());
      assertEquals(301, readAll(r, 100).length);
    }
    try (WavReader r = WavReader.open(new ByteArrayInputStream(bytes), "pipe.wav")) {
      assertEquals(-1, r.info().frames());
      assertEquals(301, readAll(r, 100).length);
      assertEquals(301, r.info().frames());
      assertFalse(r.info().truncated());
    }
  }

  @Test
  void aDataSizeOfZeroWithBytesAfterItIsAnUnfinishedRecordingReadToTheEnd() throws IOException {
    WavBytes w = new WavBytes();
    w.dataSizeOverride = 0;
    w.riffSizeOverride = 0;
    byte[] bytes = w.build(WavBytes.encode(signal(123, 1), 16, false));
    try (WavReader r = WavReader.open(write("crash.wav", bytes))) {
      assertEquals(123, r.info().frames());
      assertFalse(r.info().truncated());
      assertEquals(
          "'crash.wav': its data chunk declares 0 bytes but 246 bytes follow; decoding them as"
              + " audio (an unfinished recording?)",
          r.info().warnings().get(0));
      assertEquals(123, readAll(r, 50).length);
    }
    try (WavReader r = WavReader.open(new ByteArrayInputStream(bytes), "crash.wav")) {
      assertEquals(123, readAll(r, 50).length);
    }
    // a truly empty data chunk at the end of the file is just empty
    WavBytes e = new WavBytes();
    try (WavReader r = WavReader.open(write("empty.wav", e.build(new byte[0])))) {
      assertEquals(0, r.info().frames());
      assertTrue(r.info().warnings().isEmpty());
      assertEquals(-1, r.read(new float[4], 0, 4));
    }
  }

  @Test
  void aPartialLastFrameIsDroppedWithAWarning() throws IOException {
    WavBytes w = new WavBytes();
    w.channels = 2;
    byte[] bytes = w.build(new byte[4 * 10 + 3]);
    try (WavReader r = WavReader.open(write("odd.wav", bytes))) {
      assertEquals(10, r.info().frames());
      assertEquals(1, r.info().warnings().size());
      assertTrue(r.info().warnings().get(0).contains("ignoring the last 3 bytes"));
      assertEquals(10, readAll(r, 3).length);
    }
  }

  @ParameterizedTest
  @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void nonFiniteFloatSamplesAreRejectedWithTheirPositionOrReplacedOnRequest(float bad)
      throws IOException {
    double[] x = signal(5000, 2);
    x[2 * 3210 + 1] = bad;
    WavBytes w = new WavBytes();
    w.formatTag = 3;
    w.bitsPerSample = 32;
    w.channels = 2;
    Path p = write("nan.wav", w.build(WavBytes.encode(x, 32, true)));
    WavFormatException e =
        assertThrows(
            WavFormatException.class,
            () -> {
              try (WavReader r = WavReader.open(p)) {
                readAll(r, 1000);
              }
            });
    assertEquals(
        "sample "
            + bad
            + " at frame 3210, channel 1 in 'nan.wav', expected a finite float"
            + " (open with NonFiniteSamples.REPLACE_WITH_ZERO to replace such samples by 0)",
        e.getMessage());
    // channel 0 alone is clean
    try (WavReader r = WavReader.open(p, ChannelMode.channel(0))) {
      assertEquals(5000, readAll(r, 1000).length);
    }
    try (WavReader r = WavReader.open(p, ChannelMode.AVERAGE, NonFiniteSamples.REPLACE_WITH_ZERO)) {
      float[] y = readAll(r, 1000);
      assertEquals((float) (x[2 * 3210] / 2), y[3210], 1e-7);
    }
    // float64 beyond the float32 range is non-finite too
    double[] d = signal(10, 1);
    d[7] = 1e300;
    WavBytes w64 = new WavBytes();
    w64.formatTag = 3;
    w64.bitsPerSample = 64;
    Path p64 = write("big.wav", w64.build(WavBytes.encode(d, 64, true)));
    WavFormatException e64 =
        assertThrows(
            WavFormatException.class,
            () -> {
              try (WavReader r = WavReader.open(p64)) {
                readAll(r, 1000);
              }
            });
    assertTrue(e64.getMessage().contains("at frame 7, channel 0"), e64.getMessage());
  }

  @Test
  void pickingAChannelTheFileLacksIsCallerMisuse() throws IOException {
    Path p = write("mono.wav", valid());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WavReader.open(p, ChannelMode.channel(1)));
    assertEquals("channel=1 but 'mono.wav' has 1 channel, expected 0..0", e.getMessage());
  }

  @Test
  void closeIsIdempotentAndReadAfterCloseFails() throws IOException {
    WavReader r = WavReader.open(write("v.wav", valid()));
    r.close();
    r.close();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> r.read(new float[4], 0, 4));
    assertEquals("WavReader is closed", e.getMessage());
  }

  @Test
  void readsRf64() throws IOException {
    // RF64: sizes 0xFFFFFFFF, real sizes in ds64
    double[] x = signal(77, 1);
    byte[] data = WavBytes.encode(x, 16, false);
    byte[] ds64 = new byte[28];
    System.arraycopy(WavBytes.le32(data.length), 0, ds64, 8, 4);
    WavBytes w = new WavBytes();
    w.chunk("ds64", ds64, true);
    w.dataSizeOverride = 0xFFFFFFFFL;
    byte[] b = w.build(data);
    System.arraycopy(WavBytes.ascii("RF64"), 0, b, 0, 4);
    try (WavReader r = WavReader.open(write("rf.wav", b))) {
      assertEquals(77, r.info().declaredFrames());
      assertEquals(77, readAll(r, 10).length);
    }
  }

  @Test
  void aNamedPipeIsRefusedInsteadOfBlockingTheOpen(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("live.wav");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "needs mkfifo");
    IOException e = assertThrows(IOException.class, () -> WavReader.open(fifo));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }
}
