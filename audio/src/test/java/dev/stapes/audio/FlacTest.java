package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.internal.FlacDecoder;
import dev.stapes.audio.internal.RiffInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FLAC decoding against the reference decoder: every fixture in {@code resources/flac} (made by
 * {@code src/test/python/make_flac_fixtures.py} with Debian's {@code flac}) decodes to exactly the
 * samples {@code flac -d} wrote, through the decoder and through every front door (WavReader from a
 * path and a stream, WavSource, AudioFiles); corrupt files are refused with one line.
 */
class FlacTest {
  private static final String DIR = "flac/";
  private static final String LIBRISPEECH = "librispeech_103-1240-0000_1500ms";

  @TempDir Path tmp;

  /** Every fixture that has a reference decode, by name. */
  static Stream<String> fixtures() {
    String json = new String(TestData.resource(DIR + "flac.json"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("\n    \"([a-z0-9_-]+)\": \\{").matcher(json);
    List<String> names = new ArrayList<>();
    while (m.find()) {
      if (!m.group(1).startsWith("librispeech")) {
        names.add(m.group(1));
      }
    }
    assertTrue(names.size() >= 40, "fixtures listed in flac.json: " + names);
    return names.stream();
  }

  private static String referenceOf(String name) {
    return name.startsWith("id3_") ? "b16_stereo_16k_l5" : name;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void decodesEveryFixtureExactlyAsTheReferenceDecoder(String name) throws IOException {
    Ref ref = Ref.parse(TestData.resource(DIR + referenceOf(name) + ".ref.wav"));
    Decoded d = decode(TestData.resource(DIR + name + ".flac"), name);
    assertEquals(ref.channels, d.channels, name);
    assertEquals(ref.bits, d.bits, name);
    assertEquals(ref.samples.length, d.samples.length, name);
    for (int i = 0; i < ref.samples.length; i++) {
      if (ref.samples[i] != d.samples[i]) {
        throw new AssertionError(
            name + ": sample " + i + " is " + d.samples[i] + ", flac -d says " + ref.samples[i]);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void readsFlacAsTheSameFloatsAsTheReferenceWav(String name) throws IOException {
    Path flac = write(name + ".flac", TestData.resource(DIR + name + ".flac"));
    Path wav = write(name + ".wav", TestData.resource(DIR + referenceOf(name) + ".ref.wav"));
    float[] fromWav = readAll(WavReader.open(wav), 4096);
    try (WavReader r = WavReader.open(flac)) {
      assertEquals(SampleFormat.FLAC, r.info().sampleFormat());
      assertEquals(fromWav.length, r.info().frames(), r.info().toString());
    }
    assertArrayEquals(fromWav, readAll(WavReader.open(flac), 4096), name);
    // one channel chosen, and a stream of unknown length
    assertArrayEquals(
        readAll(WavReader.open(wav, ChannelMode.channel(0)), 999),
        readAll(WavReader.open(flac, ChannelMode.channel(0)), 999),
        name);
    byte[] bytes = TestData.resource(DIR + name + ".flac");
    assertArrayEquals(
        fromWav, readAll(WavReader.open(new ByteArrayInputStream(bytes), name), 333), name);
  }

  @Test
  void streamingEqualsWholeFileReadingForAnyChunking() throws IOException {
    for (String name : List.of("varblock_b16_stereo_16k", "b16_mono_16k_bs16", "b24_6ch_48k_l5")) {
      Path flac = write(name + ".flac", TestData.resource(DIR + name + ".flac"));
      float[] whole = readAll(WavReader.open(flac), 1 << 20);
      for (int chunk : new int[] {1, 2, 7, 16, 17, 191, 4096, 4097}) {
        assertArrayEquals(whole, readAll(WavReader.open(flac), chunk), name + " chunk " + chunk);
      }
      Random rnd = new Random(14);
      try (WavReader r = WavReader.open(flac)) {
        float[] got = new float[whole.length + 10];
        int n = 0;
        int k;
        while ((k = r.read(got, n, Math.min(got.length - n, 1 + rnd.nextInt(3000)))) > 0) {
          n += k;
        }
        assertArrayEquals(whole, Arrays.copyOf(got, n), name + " random chunks");
      }
    }
  }

  @Test
  void audioFilesAndWavSourceReadFlacLikeTheWav() throws IOException {
    String name = "b16_stereo_22050_l5";
    Path flac = write(name + ".flac", TestData.resource(DIR + name + ".flac"));
    Path wav = write(name + ".wav", TestData.resource(DIR + name + ".ref.wav"));
    assertArrayEquals(AudioFiles.readMono(wav, 16000), AudioFiles.readMono(flac, 16000));
    try (WavSource a = WavSource.open(wav, 16000);
        WavSource b = WavSource.open(flac, 16000)) {
      assertEquals(a.length(), b.length());
      assertArrayEquals(readAll(a), readAll(b));
    }
  }

  @Test
  void decodesARealLibriSpeechRecording() throws Exception {
    byte[] bytes = TestData.resource(DIR + LIBRISPEECH + ".flac");
    Decoded d = decode(bytes, LIBRISPEECH);
    String json = new String(TestData.resource(DIR + "flac.json"), StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile(
                "\"" + LIBRISPEECH + "\": \\{.*?\"ref_sha256_int32le\": \"([0-9a-f]{64})\"",
                Pattern.DOTALL)
            .matcher(json);
    assertTrue(m.find(), "sha of the reference decode in flac.json");
    assertEquals(m.group(1), sha256(d.samples), "SHA-256 of flac -d's samples");
    // and the samples are those of the corpus recording the clip was cut from
    Path corpus = TestData.corpus("librispeech/103-1240-0000.wav");
    Ref whole = Ref.parse(Files.readAllBytes(corpus));
    assertArrayEquals(Arrays.copyOf(whole.samples, d.samples.length), d.samples);
  }

  @Test
  void readsAStreamOfUnknownLengthAndIgnoresATrailingTag() throws IOException {
    String name = "b16_stereo_16k_l5";
    byte[] v = TestData.resource(DIR + name + ".flac");
    float[] expected = readAll(WavReader.open(write("a.flac", v)), 4096);
    // STREAMINFO's 36-bit total (low nibble of byte 21, bytes 22..25) set to 0: "unknown"
    byte[] unknown = v.clone();
    unknown[21] &= (byte) 0xF0;
    Arrays.fill(unknown, 22, 26, (byte) 0);
    try (WavReader r = WavReader.open(write("b.flac", unknown))) {
      assertEquals(-1, r.info().frames());
      float[] got = new float[expected.length + 1];
      int n = 0;
      int k;
      while ((k = r.read(got, n, got.length - n)) > 0) {
        n += k;
      }
      assertArrayEquals(expected, Arrays.copyOf(got, n));
      assertEquals(expected.length, r.info().frames(), "frames known once the end is read");
    }
    // an ID3v1 tag after the last frame, as some taggers append one
    byte[] tagged = Arrays.copyOf(v, v.length + 128);
    System.arraycopy(ascii("TAG"), 0, tagged, v.length, 3);
    assertArrayEquals(expected, readAll(WavReader.open(write("c.flac", tagged)), 4096));
  }

  @Test
  void readingFlacAllocatesNothingPerCall() throws IOException {
    Path p = write("ls.flac", TestData.resource(DIR + LIBRISPEECH + ".flac"));
    float[] dst = new float[100];
    try (WavReader r = WavReader.open(p)) {
      // 2 x 100 reads of 100 samples: 20000 of the clip's 24000, across several frames
      assertEquals(0, SteadyStateAllocationTest.allocatedBy(() -> r.read(dst, 0, 100), 100));
    }
  }

  // --- corrupt and foreign files ---------------------------------------------------------------

  @Test
  void refusesEveryTruncationWithOneLine() throws IOException {
    byte[] v = TestData.resource(DIR + "b16_stereo_16k_l0.flac");
    for (int len : new int[] {0, 1, 3, 4, 5, 8, 20, 41, 42, 50, 100, v.length / 2, v.length - 1}) {
      // every cut: in the marker, STREAMINFO, the other metadata, a frame header, a frame
      WavFormatException e = rejects(Arrays.copyOf(v, len), "cut.flac");
      assertOneLine(e, "cut.flac");
    }
    int inFrame = frameOffsets(v).get(1) + 10;
    String m = rejects(Arrays.copyOf(v, inFrame), "cut.flac").getMessage();
    assertTrue(m.startsWith("'cut.flac' is truncated: it ends at byte"), m);
    assertTrue(m.contains("inside frame"), m);
  }

  @Test
  void refusesAFlippedBitWithACrcMessage() throws IOException {
    byte[] v = TestData.resource(DIR + "b16_mono_16k_bs1152.flac");
    List<Integer> frames = frameOffsets(v);
    assertTrue(frames.size() >= 2);
    // a bit of the second frame's header (its sample rate code): the CRC-8 catches it
    byte[] header = v.clone();
    header[frames.get(1) + 2] ^= 0x01;
    String m = rejects(header, "flip.flac").getMessage();
    assertTrue(
        m.startsWith("'flip.flac': frame 1 at byte " + frames.get(1) + ": header CRC-8 is"), m);
    // the last byte of the frame's audio: the CRC-16 catches it
    byte[] body = v.clone();
    body[frames.get(2) - 3] ^= 0x10;
    m = rejects(body, "flip.flac").getMessage();
    assertTrue(m.contains("frame 1 at byte " + frames.get(1) + ": frame CRC-16 is 0x"), m);
    assertTrue(m.endsWith("the file is corrupt"), m);
    // the samples before the bad frame were delivered; reading on repeats the error
    try (WavReader r = WavReader.open(new ByteArrayInputStream(body), "flip.flac")) {
      float[] dst = new float[1152];
      assertEquals(1152, r.read(dst, 0, 1152));
      assertEquals(m, assertThrows(WavFormatException.class, () -> r.read(dst, 0, 1)).getMessage());
      assertEquals(m, assertThrows(WavFormatException.class, () -> r.read(dst, 0, 1)).getMessage());
    }
  }

  @Test
  void refusesABadStreamInfo() throws IOException {
    byte[] v = TestData.resource(DIR + "b16_mono_16k_l5.flac");
    // STREAMINFO's body starts at byte 8: sample rate in bytes 18..20, bits per sample in 20..21
    byte[] rate = v.clone();
    rate[18] = 0;
    rate[19] = 0;
    rate[20] &= 0x0F;
    assertEquals(
        "sampleRate=0 Hz in 'x.flac' (FLAC STREAMINFO), expected 1000..768000 Hz",
        rejects(rate, "x.flac").getMessage());
    byte[] len = v.clone();
    len[7] = 33;
    assertEquals(
        "'x.flac': STREAMINFO block at byte 4 declares 33 bytes, expected 34",
        rejects(len, "x.flac").getMessage());
    byte[] type = v.clone();
    type[4] = (byte) ((type[4] & 0x80) | 4);
    assertTrue(rejects(type, "x.flac").getMessage().contains("expected 0 (STREAMINFO)"));
    byte[] md5 = v.clone();
    md5[30] ^= 1;
    String m = rejects(md5, "x.flac").getMessage();
    assertTrue(m.startsWith("'x.flac': the MD5 of the decoded audio is "), m);
    byte[] total = v.clone();
    total[25] += 1; // one more sample declared than the frames hold
    assertTrue(rejects(total, "x.flac").getMessage().contains("is truncated"));
  }

  @Test
  void refusesHugeSizeClaimsWithoutAllocatingThem() throws IOException {
    byte[] v = TestData.resource(DIR + "b16_mono_16k_l5.flac");
    // a metadata block claiming 16 MiB in a file of a few KiB
    byte[] big = new byte[v.length + 4];
    System.arraycopy(v, 0, big, 0, 42);
    big[4] &= 0x7F; // STREAMINFO is no longer the last block
    big[42] = (byte) 0x81; // last block, type 1 (padding)
    big[43] = (byte) 0xFF;
    big[44] = (byte) 0xFF;
    big[45] = (byte) 0xFF;
    System.arraycopy(v, 42, big, 46, v.length - 42);
    String m = rejects(big, "x.flac").getMessage();
    assertTrue(
        m.startsWith(
            "'x.flac': metadata block of type 1 at byte 42 declares 16777215 bytes, more than"),
        m);
    // STREAMINFO with the largest block size, and a frame header claiming 65536 samples
    byte[] claim =
        new byte[] {(byte) 0xFF, (byte) 0xF8, 0x70, 0x08, 0x00, (byte) 0xFF, (byte) 0xFF};
    byte[] f = new byte[42 + claim.length + 1 + 3];
    System.arraycopy(v, 0, f, 0, 42);
    f[8] = (byte) 0xFF; // min block size 65535
    f[9] = (byte) 0xFF;
    f[10] = (byte) 0xFF; // max block size 65535
    f[11] = (byte) 0xFF;
    System.arraycopy(claim, 0, f, 42, claim.length);
    f[42 + claim.length] = (byte) crc8(Arrays.copyOfRange(f, 42, 42 + claim.length));
    m = rejects(f, "x.flac").getMessage();
    assertTrue(m.contains("'x.flac'") && m.contains("byte"), m);
  }

  @Test
  void namesAndRefusesFormatsItDoesNotRead() throws IOException {
    byte[] mp3 = new byte[400];
    mp3[0] = (byte) 0xFF;
    mp3[1] = (byte) 0xFB;
    mp3[2] = (byte) 0x90;
    assertEquals(
        "'song.mp3' looks like MP3 (MPEG audio), a format Stapes does not read (it reads WAV and"
            + " FLAC); convert it first, e.g. ffmpeg -i 'song.mp3' -ar 16000 -ac 1"
            + " 'song-16k.wav'",
        rejects(mp3, "song.mp3").getMessage());
    byte[] tagged = new byte[400];
    System.arraycopy(
        "ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0010".getBytes(StandardCharsets.ISO_8859_1),
        0,
        tagged,
        0,
        10);
    tagged[26] = (byte) 0xFF;
    tagged[27] = (byte) 0xFB;
    assertTrue(rejects(tagged, "a.mp3").getMessage().contains("looks like MP3"));
    assertTrue(rejects(ascii("OggS\u0000\u0002"), "a.ogg").getMessage().contains("looks like Ogg"));
    assertTrue(
        rejects(ascii("FORM\u0000\u0000\u0000\u0000AIFF"), "a.aiff")
            .getMessage()
            .contains("looks like AIFF"));
    assertTrue(
        rejects(ascii("\u0000\u0000\u0000\u0020ftypM4A "), "a.m4a")
            .getMessage()
            .contains("looks like MP4/M4A"));
  }

  @Test
  void survivesRandomMutationsWithOneLineErrors() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          Random rnd = new Random(9639);
          String[] names = {
            "b16_stereo_16k_l8",
            "b24_mono_16k_l5",
            "b32_stereo_48k_l8",
            "varblock_b16_stereo_16k",
            "b24_mono_16k_wasted8",
            "b16_mono_16k_noise"
          };
          int decoded = 0;
          for (int t = 0; t < 600; t++) {
            byte[] v = TestData.resource(DIR + names[t % names.length] + ".flac").clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
              int at =
                  rnd.nextInt(4) == 0 ? rnd.nextInt(Math.min(60, v.length)) : rnd.nextInt(v.length);
              v[at] ^= (byte) (1 << rnd.nextInt(8));
            }
            if (rnd.nextInt(5) == 0) {
              v = Arrays.copyOf(v, rnd.nextInt(v.length));
            }
            try (WavReader r = WavReader.open(new ByteArrayInputStream(v), "m.flac")) {
              readAll(r, 1 + rnd.nextInt(5000));
              decoded++;
            } catch (WavFormatException e) {
              assertOneLine(e, "m.flac");
            }
          }
          assertTrue(decoded < 600, "some mutants must be refused");
        });
  }

  // --- streams built here bit by bit: what flac never writes (escaped partitions, ...) --------

  @Test
  void decodesEscapedPartitionsRice2AndTinyBlocks() throws IOException {
    // Mono 16-bit at 16 kHz. Frame 0: FIXED order 2, Rice2, partition order 2 (4 partitions of
    // 5 samples; the first holds 3 residuals): escaped with 7 raw bits, escaped with 0 bits,
    // Rice2 parameter 17, Rice2 parameter 0. Frame 1: LPC order 3 with 1 wasted bit, Rice
    // parameter 3. Frame 2: a block of 1 sample (VERBATIM). Frame 3: CONSTANT.
    long[] expected = new long[20 + 20 + 1 + 7];
    BitWriter w = new BitWriter();
    // frame 0
    long[] res0 = {-64, 63, 0, 0, 0, 0, 0, 0, 5, -70000, 1 << 17, -(1 << 17), 3, 0, 0, 1, -1, 0};
    long[] s = new long[20];
    s[0] = -300;
    s[1] = 17;
    for (int i = 2; i < 20; i++) {
      s[i] = 2 * s[i - 1] - s[i - 2] + res0[i - 2];
    }
    w.frameHeader(0, 20);
    w.bits(0, 1).bits(8 + 2, 6).bits(0, 1); // FIXED order 2, no wasted bits
    w.signed(s[0], 16).signed(s[1], 16);
    w.bits(1, 2).bits(2, 4); // Rice2, partition order 2
    w.bits(31, 5).bits(7, 5);
    for (int i = 0; i < 3; i++) {
      w.signed(res0[i], 7);
    }
    w.bits(31, 5).bits(0, 5); // 5 zero residuals
    w.bits(17, 5);
    for (int i = 8; i < 13; i++) {
      w.rice(res0[i], 17);
    }
    w.bits(0, 5);
    for (int i = 13; i < 18; i++) {
      w.rice(res0[i], 0);
    }
    w.frameEnd();
    // keep the expected values in range: clamp-free by construction? check it
    System.arraycopy(s, 0, expected, 0, 20);
    // frame 1: LPC order 3, precision 12, shift 9, one wasted bit
    long[] c = {700, -300, 100};
    long[] t = new long[20];
    t[0] = 40;
    t[1] = -22;
    t[2] = 8;
    long[] res1 = new long[17];
    for (int i = 0; i < 17; i++) {
      res1[i] = (i * 7 % 11) - 5;
    }
    for (int i = 3; i < 20; i++) {
      long sum = c[0] * t[i - 1] + c[1] * t[i - 2] + c[2] * t[i - 3];
      t[i] = (sum >> 9) + res1[i - 3];
    }
    w.frameHeader(1, 20);
    w.bits(0, 1).bits(32 + 2, 6).bits(1, 1).bits(1, 1); // LPC order 3, wasted bits: 1
    for (int i = 0; i < 3; i++) {
      w.signed(t[i], 15);
    }
    w.bits(12 - 1, 4).signed(9, 5);
    for (long x : c) {
      w.signed(x, 12);
    }
    w.bits(0, 2).bits(0, 4).bits(3, 4); // Rice, one partition, parameter 3
    for (long r : res1) {
      w.rice(r, 3);
    }
    w.frameEnd();
    for (int i = 0; i < 20; i++) {
      expected[20 + i] = t[i] * 2;
    }
    // frame 2: one sample, VERBATIM
    w.frameHeader(2, 1);
    w.bits(0, 1).bits(1, 6).bits(0, 1).signed(-32768, 16);
    w.frameEnd();
    expected[40] = -32768;
    // frame 3: CONSTANT 1234 over 7 samples
    w.frameHeader(3, 7);
    w.bits(0, 1).bits(0, 6).bits(0, 1).signed(1234, 16);
    w.frameEnd();
    Arrays.fill(expected, 41, 48, 1234);
    byte[] stream = w.stream(16000, 1, 16, expected.length);
    Decoded d = decode(stream, "built.flac");
    assertArrayEquals(expected, Arrays.stream(d.samples).asLongStream().toArray());
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** A stream written here: STREAMINFO (no MD5) and frames with fixed block-size headers. */
  private static final class BitWriter {
    private final java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
    private final java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
    private long acc;
    private int n;

    BitWriter bits(long v, int count) {
      for (int i = count - 1; i >= 0; i--) {
        acc = (acc << 1) | ((v >>> i) & 1);
        if (++n == 8) {
          cur.write((int) acc);
          acc = 0;
          n = 0;
        }
      }
      return this;
    }

    BitWriter signed(long v, int count) {
      return bits(v & ((1L << count) - 1), count);
    }

    BitWriter rice(long v, int k) {
      long u = v >= 0 ? 2 * v : -2 * v - 1;
      for (long q = u >>> k; q > 0; q--) {
        bits(0, 1);
      }
      bits(1, 1);
      return bits(u & ((1L << k) - 1), k);
    }

    void frameHeader(int number, int blockSize) {
      bits(0xFFF8, 16).bits(7, 4).bits(0, 4); // 16-bit block size at the end, STREAMINFO's rate
      bits(0, 4).bits(4, 3).bits(0, 1); // mono, 16 bits
      bits(number, 8).bits(blockSize - 1, 16);
      byte[] h = cur.toByteArray();
      bits(crc8(h), 8);
    }

    void frameEnd() {
      if (n > 0) {
        bits(0, 8 - n);
      }
      byte[] f = cur.toByteArray();
      bits(crc16(f), 16);
      frames.writeBytes(cur.toByteArray());
      cur.reset();
    }

    byte[] stream(int rate, int channels, int bps, long total) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.writeBytes("fLaC".getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(new byte[] {(byte) 0x80, 0, 0, 34});
      out.writeBytes(new byte[] {0, 1, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 0});
      long packed =
          ((long) rate << 44) | ((long) (channels - 1) << 41) | ((long) (bps - 1) << 36) | total;
      for (int i = 7; i >= 0; i--) {
        out.write((int) (packed >>> (8 * i)));
      }
      out.writeBytes(new byte[16]);
      out.writeBytes(frames.toByteArray());
      return out.toByteArray();
    }
  }

  static int crc8(byte[] b) {
    int c = 0;
    for (byte x : b) {
      c ^= x & 0xFF;
      for (int i = 0; i < 8; i++) {
        c = (c & 0x80) != 0 ? ((c << 1) ^ 0x07) & 0xFF : (c << 1) & 0xFF;
      }
    }
    return c;
  }

  static int crc16(byte[] b) {
    int c = 0;
    for (byte x : b) {
      c ^= (x & 0xFF) << 8;
      for (int i = 0; i < 8; i++) {
        c = (c & 0x8000) != 0 ? ((c << 1) ^ 0x8005) & 0xFFFF : (c << 1) & 0xFFFF;
      }
    }
    return c;
  }

  /** Frame starts: sync codes whose header CRC-8 checks, after the metadata. */
  private static List<Integer> frameOffsets(byte[] v) {
    List<Integer> out = new ArrayList<>();
    for (int i = 42; i + 1 < v.length; i++) {
      if ((v[i] & 0xFF) == 0xFF && (v[i + 1] & 0xFE) == 0xF8 && i + 2 < v.length) {
        // fixed block size, frame number < 128: 4 bytes, the number, uncommon sizes, CRC-8
        int bs = (v[i + 2] >> 4) & 0xF;
        int sr = v[i + 2] & 0xF;
        int hl = 5 + (bs == 6 ? 1 : bs == 7 ? 2 : 0) + (sr == 12 ? 1 : sr >= 13 ? 2 : 0);
        if (i + hl < v.length && crc8(Arrays.copyOfRange(v, i, i + hl)) == (v[i + hl] & 0xFF)) {
          out.add(i);
        }
      }
    }
    out.add(v.length);
    return out;
  }

  private static final class Decoded {
    int channels;
    int bits;
    int[] samples;
  }

  /** Interleaved integer samples, as the decoder yields them. */
  private static Decoded decode(byte[] flac, String name) throws IOException {
    RiffInput in = new RiffInput(new ByteArrayInputStream(flac), flac.length);
    int skip = 0;
    if (flac[0] == 'I' && flac[1] == 'D' && flac[2] == '3') {
      skip =
          10
              + ((flac[6] & 0x7F) << 21
                  | (flac[7] & 0x7F) << 14
                  | (flac[8] & 0x7F) << 7
                  | (flac[9] & 0x7F));
      in.skip(skip);
    }
    FlacDecoder d = FlacDecoder.open(in, name);
    Decoded out = new Decoded();
    out.channels = d.channels();
    out.bits = d.bitsPerSample();
    int[] s = new int[1 << 16];
    int n = 0;
    int b;
    while ((b = d.nextBlock()) >= 0) {
      while (n + b * out.channels > s.length) {
        s = Arrays.copyOf(s, s.length * 2);
      }
      for (int i = 0; i < b; i++) {
        for (int c = 0; c < out.channels; c++) {
          s[n++] = (int) d.channel(c)[i];
        }
      }
    }
    assertEquals(d.totalSamples() * out.channels, n, name + ": samples vs STREAMINFO");
    out.samples = Arrays.copyOf(s, n);
    return out;
  }

  /** The integer samples of a WAV that {@code flac -d} wrote (left-justified containers). */
  private static final class Ref {
    int channels;
    int bits;
    int[] samples;

    static Ref parse(byte[] d) {
      int p = 12;
      Ref r = new Ref();
      int container = 0;
      while (p + 8 <= d.length) {
        String id = new String(d, p, 4, StandardCharsets.US_ASCII);
        int size = u32(d, p + 4);
        if (id.equals("fmt ")) {
          int tag = u16(d, p + 8);
          r.channels = u16(d, p + 10);
          container = u16(d, p + 22);
          r.bits = tag == 0xFFFE ? u16(d, p + 26) : container;
        } else if (id.equals("data")) {
          int bytes = container / 8;
          int shift = container - r.bits;
          int count = size / bytes;
          r.samples = new int[count];
          for (int i = 0; i < count; i++) {
            int q = p + 8 + i * bytes;
            int v;
            if (bytes == 1) {
              v = (d[q] & 0xFF) - 128;
            } else {
              v = 0;
              for (int k = bytes - 1; k >= 0; k--) {
                v = (v << 8) | (d[q + k] & 0xFF);
              }
              v = (v << (32 - 8 * bytes)) >> (32 - 8 * bytes);
            }
            r.samples[i] = v >> shift;
          }
          return r;
        }
        p += 8 + size + (size & 1);
      }
      throw new AssertionError("no data chunk");
    }
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
  }

  private static int u32(byte[] b, int p) {
    return u16(b, p) | u16(b, p + 2) << 16;
  }

  private static String sha256(int[] samples) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] b = new byte[samples.length * 4];
    for (int i = 0; i < samples.length; i++) {
      for (int k = 0; k < 4; k++) {
        b[4 * i + k] = (byte) (samples[i] >> (8 * k));
      }
    }
    StringBuilder sb = new StringBuilder();
    for (byte x : md.digest(b)) {
      sb.append(String.format("%02x", x & 0xFF));
    }
    return sb.toString();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static byte[] ascii(String s) {
    return Arrays.copyOf(s.getBytes(StandardCharsets.ISO_8859_1), 64);
  }

  private WavFormatException rejects(byte[] bytes, String name) throws IOException {
    Path p = write(name, bytes);
    WavFormatException e =
        assertThrows(WavFormatException.class, () -> readAll(WavReader.open(p), 4096));
    // the same message from a stream
    WavFormatException s =
        assertThrows(
            WavFormatException.class,
            () -> readAll(WavReader.open(new ByteArrayInputStream(bytes), name), 4096));
    assertEquals(e.getMessage(), s.getMessage());
    assertOneLine(e, name);
    return e;
  }

  private static void assertOneLine(WavFormatException e, String name) {
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith("'" + name + "'") || m.contains("in '" + name + "'"), m);
  }

  private static float[] readAll(WavReader r, int chunk) throws IOException {
    try (r) {
      float[] out = new float[1 << 12];
      int n = 0;
      while (true) {
        if (n + chunk > out.length) {
          out = Arrays.copyOf(out, Math.max(out.length * 2, n + chunk));
        }
        int k = r.read(out, n, chunk);
        if (k < 0) {
          return Arrays.copyOf(out, n);
        }
        n += k;
      }
    }
  }

  private static float[] readAll(WavSource s) throws IOException {
    float[] out = new float[(int) s.length()];
    int n = 0;
    int k;
    while (n < out.length && (k = s.read(out, n, out.length - n)) > 0) {
      n += k;
    }
    assertEquals(-1, s.read(new float[1], 0, 1));
    return out;
  }
}
