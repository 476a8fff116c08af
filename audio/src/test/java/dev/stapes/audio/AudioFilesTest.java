package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AudioFilesTest {
  @TempDir Path dir;

  static Path resources() {
    try {
      return Paths.get(AudioFilesTest.class.getResource("/audio-io").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<String> encodingFixtures() throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(resources().resolve("enc"), "*.wav")) {
      ds.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    return names.stream();
  }

  static float[] readF32(Path p) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    float[] x = new float[b.remaining() / 4];
    b.asFloatBuffer().get(x);
    return x;
  }

  @ParameterizedTest
  @MethodSource("encodingFixtures")
  void decodesFilesWrittenBySoxAsSoxDecodesThem(String name) throws IOException {
    Path wav = resources().resolve("enc").resolve(name);
    float[] want = readF32(resources().resolve("enc").resolve(name.replace(".wav", ".f32")));
    String[] parts = name.replace(".wav", "").split("_");
    try (WavReader r = WavReader.open(wav)) {
      WavInfo info = r.info();
      assertEquals(Integer.parseInt(parts[2]), info.sampleRate(), info.toString());
      int channels =
          parts[1].equals("mono")
              ? 1
              : parts[1].equals("stereo") ? 2 : Integer.parseInt(parts[1].replace("ch", ""));
      assertEquals(channels, info.channels());
      assertEquals(want.length, info.frames());
      assertTrue(info.warnings().isEmpty(), info.warnings().toString());
      float[] got = WavReaderTest.readAll(r, 333);
      assertEquals(want.length, got.length);
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 2e-7, name + " frame " + i);
      }
    }
  }

  @Test
  void readMonoDecodesMixesAndResamples() throws IOException {
    Path p = resources().resolve("tones_44100_stereo.wav");
    float[] y = AudioFiles.readMono(p, 16000);
    assertEquals((22050L * 16000 + 44099) / 44100, y.length);
    // 440 Hz and 3000 Hz at 0.5 each, averaged: 0.25 * (sin + sin)
    double err = 0;
    for (int n = 400; n < y.length - 400; n++) {
      double t = n / 16000.0;
      double want = 0.25 * (Math.sin(2 * Math.PI * 440 * t) + Math.sin(2 * Math.PI * 3000 * t));
      err = Math.max(err, Math.abs(y[n] - want));
    }
    assertTrue(err < 1e-3, "err=" + err); // 16-bit quantisation of the source dominates
    float[] same = AudioFiles.readMono(resources().resolve("speech_16k.wav"), 16000);
    try (WavReader r = WavReader.open(resources().resolve("speech_16k.wav"))) {
      assertArrayEquals(WavReaderTest.readAll(r, 4096), same);
    }
  }

  @Test
  void readMonoRefusesFilesLongerThanTheLimitNamingIt() throws IOException {
    Path p = resources().resolve("speech_16k.wav");
    IOException e = assertThrows(IOException.class, () -> AudioFiles.readMono(p, 16000, 1.0));
    assertTrue(
        e.getMessage()
            .matches(
                "'speech_16k.wav' holds \\d+\\.\\d s \\(\\d+ frames\\) of audio, more than"
                    + " AudioFiles.readMono accepts \\(maxSeconds=1.0\\); stream it with WavSource"
                    + " instead"),
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 17, 160, 4096, 100_000})
  void wavSourceGivesTheSameSamplesForAnyReadSize(int chunk) throws IOException {
    Path p = resources().resolve("speech_22050.wav");
    float[] ref = AudioFiles.readMono(p, 16000);
    try (WavSource s = WavSource.open(p, 16000)) {
      assertEquals(ref.length, s.length());
      assertEquals(16000, s.sampleRate());
      assertEquals(22050, s.info().sampleRate());
      float[] got = new float[ref.length + 10];
      float[] tmp = new float[chunk];
      int n = 0;
      int k;
      while ((k = s.read(tmp, 0, chunk)) >= 0) {
        assertTrue(k > 0 || chunk == 0);
        System.arraycopy(tmp, 0, got, n, k);
        n += k;
      }
      assertEquals(ref.length, n);
      assertEquals(n, s.position());
      assertArrayEquals(ref, Arrays.copyOf(got, n));
      assertEquals(-1, s.read(tmp, 0, chunk));
    }
  }

  @ParameterizedTest
  @EnumSource(WavWriter.Encoding.class)
  void wavWriterRoundTripsThroughWavReader(WavWriter.Encoding enc) throws IOException {
    double[] x = WavReaderTest.signal(1001, 3);
    float[] xf = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      xf[i] = (float) x[i];
    }
    Path p = dir.resolve("w.wav");
    try (WavWriter w = WavWriter.create(p, 24000, 3, enc)) {
      w.write(xf, 0, 3 * 500);
      w.write(xf, 3 * 500, 3 * 501);
      assertEquals(1001, w.frames());
    }
    double quantum =
        enc == WavWriter.Encoding.PCM_U8
            ? 1.0 / 128
            : enc == WavWriter.Encoding.PCM_S16 ? 1.0 / 32768 : 1e-6;
    for (int c = 0; c < 3; c++) {
      try (WavReader r = WavReader.open(p, ChannelMode.channel(c))) {
        assertEquals(1001, r.info().frames());
        assertEquals(24000, r.info().sampleRate());
        assertTrue(r.info().warnings().isEmpty(), r.info().warnings().toString());
        float[] y = WavReaderTest.readAll(r, 100);
        for (int f = 0; f < 1001; f++) {
          assertEquals(x[3 * f + c], y[f], quantum / 2 + 1e-7);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(WavWriter.Encoding.class)
  void soxReadsWhatWavWriterWrites(WavWriter.Encoding enc) throws Exception {
    assumeTrue(Files.isExecutable(Paths.get("/usr/bin/sox")), "sox not installed");
    float[] x = ResamplerTest.noise(777, 9);
    Path p = dir.resolve("s.wav");
    Path raw = dir.resolve("s.f32");
    WavWriter.write(p, 44100, enc, x);
    Process proc =
        new ProcessBuilder(
                "/usr/bin/sox",
                p.toString(),
                "-t",
                "raw",
                "-e",
                "floating-point",
                "-b",
                "32",
                raw.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(proc.getInputStream().readAllBytes());
    assertEquals(0, proc.waitFor(), log);
    float[] y = readF32(raw);
    float[] z = AudioFiles.readMono(p, 44100);
    assertEquals(x.length, y.length);
    for (int i = 0; i < x.length; i++) {
      assertEquals(y[i], z[i], 1e-7, "sample " + i);
    }
  }

  @Test
  void wavWriterClipsAndRejectsNonFiniteSamples() throws IOException {
    Path p = dir.resolve("clip.wav");
    try (WavWriter w = WavWriter.create(p, 16000, 1, WavWriter.Encoding.PCM_S16)) {
      w.write(new float[] {2f, -2f, 1f, -1f}, 0, 4);
      assertThrows(IllegalArgumentException.class, () -> w.write(new float[] {Float.NaN}, 0, 1));
    }
    try (WavReader r = WavReader.open(p)) {
      assertArrayEquals(
          new float[] {32767 / 32768f, -1f, 32767 / 32768f, -1f}, WavReaderTest.readAll(r, 10));
    }
    WavWriter w = WavWriter.create(dir.resolve("x.wav"), 16000, 2, WavWriter.Encoding.FLOAT32);
    assertEquals(
        "len=3 samples, expected a multiple of channels=2",
        assertThrows(IllegalArgumentException.class, () -> w.write(new float[3], 0, 3))
            .getMessage());
    w.close();
    w.close();
    assertThrows(IllegalStateException.class, () -> w.write(new float[2], 0, 2));
    assertEquals(
        "sampleRate=0 Hz, expected 1000..768000 Hz",
        assertThrows(
                IllegalArgumentException.class,
                () -> WavWriter.create(dir.resolve("y.wav"), 0, 1, WavWriter.Encoding.FLOAT32))
            .getMessage());
  }

  /** The real recordings in ../shared/corpus (see its SOURCES.md). */
  @Test
  void readsTheRealRecordingsOfTheSharedCorpus() throws IOException {
    Path corpus = Paths.get(System.getProperty("stapes.root", ".."), "..", "shared", "corpus");
    boolean ci = "true".equals(System.getenv("CI"));
    if (!Files.isDirectory(corpus)) {
      assertTrue(!ci, "CI=true but the corpus is missing: " + corpus.toAbsolutePath());
      assumeTrue(false, "corpus absent: " + corpus.toAbsolutePath());
    }
    String[][] expected = {
      {"yes_1000ms.wav", "16000"},
      {"no_1000ms.wav", "16000"},
      {"silence_1000ms.wav", "16000"},
      {"noise_1000ms.wav", "16000"},
      {"alexa_test.wav", "10000"},
      {"hey_mycroft_test.wav", "15232"},
      {"hey_jane.wav", "37888"},
      {"jfk_16k.wav", "176000"},
      {"silero_test.wav", "960000"},
    };
    for (String[] e : expected) {
      Path p = corpus.resolve(e[0]);
      try (WavReader r = WavReader.open(p)) {
        WavInfo info = r.info();
        assertEquals(16000, info.sampleRate(), e[0]);
        assertEquals(1, info.channels(), e[0]);
        assertEquals(SampleFormat.PCM_S16, info.sampleFormat(), e[0]);
        assertEquals(Long.parseLong(e[1]), info.frames(), e[0]);
        assertTrue(!info.truncated(), e[0]);
        float[] x = WavReaderTest.readAll(r, 4096);
        assertEquals(info.frames(), x.length);
        double peak = 0;
        for (float v : x) {
          peak = Math.max(peak, Math.abs(v));
        }
        assertTrue(peak <= 1.0, e[0]);
        if (!e[0].startsWith("silence")) {
          assertTrue(peak > 0.01, e[0] + " peak " + peak);
        }
      }
      // downsampling real speech to 8 kHz and back keeps its length exactly
      float[] at8k = AudioFiles.readMono(p, 8000);
      assertEquals((Long.parseLong(e[1]) + 1) / 2, at8k.length, e[0]);
    }
  }

  @Test
  void jfkDecodesToTheSameSamplesAsSox() throws IOException {
    Path jfk =
        Paths.get(System.getProperty("stapes.root", ".."), "..", "shared", "corpus", "jfk_16k.wav");
    assumeTrue(Files.isRegularFile(jfk) || "true".equals(System.getenv("CI")), "corpus absent");
    // the first samples, cross-checked with `sox jfk_16k.wav -t s16 - | od`: data begins at byte 44
    byte[] raw = Files.readAllBytes(jfk);
    try (WavReader r = WavReader.open(jfk)) {
      float[] x = WavReaderTest.readAll(r, 4096);
      int dataOffset = raw.length - 2 * x.length;
      for (int i = 0; i < x.length; i += 997) {
        short s = (short) ((raw[dataOffset + 2 * i] & 0xFF) | (raw[dataOffset + 2 * i + 1] << 8));
        assertEquals(s / 32768f, x[i]);
      }
    }
  }
}
