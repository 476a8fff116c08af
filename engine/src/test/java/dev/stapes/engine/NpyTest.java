package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.engine.internal.AtomicFiles;
import dev.stapes.engine.internal.Half;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyTest {
  @TempDir Path tmp;

  static Path fixture(String name) {
    try {
      return Path.of(NpyTest.class.getResource("npy/" + name + ".npy").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static double[] arange(NpyDType t, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = t == NpyDType.B1 ? i % 2 : i;
    }
    return v;
  }

  @ParameterizedTest
  @ValueSource(strings = {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"})
  void readsEveryLittleEndianDtypeThatNumpyWrites(String code) throws IOException {
    NpyArray a = Npy.read(fixture("le_" + code));
    NpyDType t = NpyDType.fromCode(code);
    assertEquals(t, a.dtype());
    assertArrayEquals(new long[] {2, 3}, a.shape());
    assertArrayEquals(arange(t, 6), a.toDoubleArray());
  }

  @ParameterizedTest
  @ValueSource(strings = {"f2", "f4", "f8", "i2", "i4", "i8", "u2", "u4", "u8"})
  void readsBigEndianFilesAsLittleEndianArrays(String code) throws IOException {
    NpyArray a = Npy.read(fixture("be_" + code));
    NpyDType t = NpyDType.fromCode(code);
    assertEquals(t, a.dtype());
    assertArrayEquals(new long[] {3, 2}, a.shape());
    assertArrayEquals(arange(t, 6), a.toDoubleArray());
    assertEquals(Npy.read(fixture("le_" + code)).toDoubleArray()[5], a.toDoubleArray()[5]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v2_f4", "v3_f4"})
  void readsFormatVersionsTwoAndThree(String name) throws IOException {
    NpyArray a = Npy.read(fixture(name));
    assertArrayEquals(new long[] {2, 3}, a.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, a.toFloatArray());
  }

  @Test
  void readsScalarsEmptyArraysAndHigherRanks() throws IOException {
    NpyArray s = Npy.read(fixture("scalar_f4"));
    assertEquals(0, s.rank());
    assertArrayEquals(new float[] {7}, s.toFloatArray());
    NpyArray e = Npy.read(fixture("empty_f4"));
    assertArrayEquals(new long[] {0, 3}, e.shape());
    assertEquals(0, e.size());
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, Npy.read(fixture("rank1_i8")).toLongArray());
    assertArrayEquals(new long[] {1, 2, 3, 2}, Npy.read(fixture("rank4_f4")).shape());
  }

  @Test
  void refusesFortranOrderWithAClearMessage() {
    Npy.NpyFormatException e =
        assertThrows(Npy.NpyFormatException.class, () -> Npy.read(fixture("fortran_f4")));
    assertTrue(e.getMessage().contains("Fortran-order"), e.getMessage());
    assertTrue(e.getMessage().contains("fortran_f4.npy"), e.getMessage());
  }

  @Test
  void writesTheSameBytesAsNumpy() throws IOException {
    float[] v = {0, 1, 2, 3, 4, 5};
    Path out = tmp.resolve("a.npy");
    Npy.writeFloat32(out, v, 2, 3);
    assertArrayEquals(Files.readAllBytes(fixture("le_f4")), Files.readAllBytes(out));
    Npy.writeInt64(out, new long[] {0, 1, 2, 3, 4});
    assertArrayEquals(Files.readAllBytes(fixture("rank1_i8")), Files.readAllBytes(out));
    Npy.write(out, NpyArray.ofFloat32(new float[] {7}));
    assertArrayEquals(Files.readAllBytes(fixture("scalar_f4")), Files.readAllBytes(out));
  }

  @ParameterizedTest
  @ValueSource(strings = {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"})
  void roundTripsEveryDtype(String code) throws IOException {
    NpyArray a = Npy.read(fixture("le_" + code));
    Path out = tmp.resolve(code + ".npy");
    Npy.write(out, a);
    assertEquals(a, Npy.read(out));
    assertEquals(a, Npy.read(Npy.toBytes(a), "bytes"));
    assertArrayEquals(Files.readAllBytes(fixture("le_" + code)), Files.readAllBytes(out));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 7, 64, 1000, 4099})
  void roundTripsAwkwardLengths(int n) throws IOException {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.sin(i) * 1e3f;
    }
    Path out = tmp.resolve("x.npy");
    Npy.writeFloat32(out, v);
    NpyArray a = Npy.read(out);
    assertArrayEquals(new long[] {n}, a.shape());
    assertArrayEquals(v, a.toFloatArray());
    assertEquals(0, Npy.toBytes(a).length % 64 == 0 ? 0 : (Npy.toBytes(a).length - 4L * n) % 64);
  }

  @Test
  void writesAVersionTwoHeaderWhenTheShapeIsEnormouslyLong() throws IOException {
    long[] shape = new long[64];
    Arrays.fill(shape, 1);
    NpyArray a = NpyArray.ofFloat32(new float[] {3}, shape);
    NpyArray back = Npy.read(Npy.toBytes(a), "x");
    assertEquals(a, back);
  }

  @Test
  void halfConversionIsExactForEveryHalfValue() {
    for (int h = 0; h < 0x10000; h++) {
      float f = Half.toFloat((short) h);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(f))));
      } else {
        assertEquals((short) h, Half.fromFloat(f), "h=" + Integer.toHexString(h));
      }
    }
    assertEquals(Half.toFloat((short) 0x3c00), 1.0f);
    assertEquals(Half.fromFloat(65520f), (short) 0x7c00); // rounds to infinity
    assertEquals(Half.fromFloat(1.0f + 0x1p-11f), (short) 0x3c00); // ties to even
  }

  // ------------------------------------------------------------- hostile input

  static byte[] file(String dict, int major, byte[] data) {
    byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
    int pre = major == 1 ? 10 : 12;
    ByteBuffer b = ByteBuffer.allocate(pre + d.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) d.length);
    } else {
      b.putInt(d.length);
    }
    return b.put(d).put(data).array();
  }

  static String dict(String descr, String shape) {
    return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n";
  }

  String refusal(byte[] bytes) throws IOException {
    Path p = tmp.resolve("bad.npy");
    Files.write(p, bytes);
    Npy.NpyFormatException e = assertThrows(Npy.NpyFormatException.class, () -> Npy.read(p));
    Npy.NpyFormatException e2 =
        assertThrows(Npy.NpyFormatException.class, () -> Npy.read(bytes, "bad.npy"));
    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    assertTrue(e2.getMessage().startsWith("bad.npy"), e2.getMessage());
    return e.getMessage();
  }

  @Test
  void refusesHostileShapesWithoutAllocating() throws IOException {
    assertTrue(
        refusal(file(dict("<f4", "(9223372036854775807,)"), 1, new byte[8])).contains("too large"));
    assertTrue(
        refusal(file(dict("<f4", "(4294967296, 4294967296)"), 1, new byte[8])).contains("2^63"));
    assertTrue(
        refusal(file(dict("<f4", "(1000000000,)"), 1, new byte[8])).contains("needs 4000000000"));
    assertTrue(refusal(file(dict("<f4", "(-1,)"), 1, new byte[4])).contains("shape"));
    assertTrue(refusal(file(dict("<f4", "(3,)"), 1, new byte[8])).contains("needs 12"));
    assertTrue(refusal(file(dict("<f4", "(1,)"), 1, new byte[8])).contains("trailing"));
  }

  @Test
  void refusesHostileHeaderLengths() throws IOException {
    byte[] b = file(dict("<f4", "(1,)"), 2, new byte[4]);
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, Integer.MAX_VALUE);
    assertTrue(refusal(b).contains("header length"));
    byte[] c = file(dict("<f4", "(1,)"), 1, new byte[4]);
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 0xffff);
    assertTrue(refusal(c).contains("header length"));
  }

  @Test
  void refusesMalformedFiles() throws IOException {
    assertTrue(refusal(new byte[0]).contains("not a .npy file"));
    assertTrue(refusal("hello world, no magic".getBytes()).contains("magic"));
    assertTrue(refusal(file(dict("<f4", "(1,)"), 4, new byte[4])).contains("version 4"));
    assertTrue(refusal(file(dict("<c8", "(1,)"), 1, new byte[8])).contains("not supported"));
    assertTrue(refusal(file(dict("O", "(1,)"), 1, new byte[8])).contains("not supported"));
    assertTrue(
        refusal(
                file(
                    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                    1,
                    new byte[4]))
            .contains("structured"));
    assertTrue(
        refusal(file("{'descr': '<f4', 'shape': (1,), }", 1, new byte[4])).contains("lacks"));
    assertTrue(refusal(file("{'descr': '<f4', 'fortran_order", 1, new byte[4])).contains("header"));
    assertTrue(refusal(file(dict("<f4", "(1,"), 1, new byte[4])).contains("shape"));
  }

  @Test
  void reportsAMissingFileAsNoSuchFile() {
    assertThrows(NoSuchFileException.class, () -> Npy.read(tmp.resolve("missing.npy")));
  }

  @Test
  void aFailedWriteLeavesTheOlderFileIntactAndNoPartialFile() throws IOException {
    Path out = tmp.resolve("keep.npy");
    Npy.writeFloat32(out, new float[] {1, 2, 3});
    byte[] before = Files.readAllBytes(out);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    out,
                    o -> {
                      o.write(new byte[1000]);
                      throw new IOException("No space left on device");
                    }));
    assertEquals(out + ": cannot write: No space left on device", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(out));
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count(), "no .part file left behind");
    }
  }

  @Test
  void writingOverADirectoryOrIntoAMissingOneNamesThePath() throws IOException {
    Path d = Files.createDirectory(tmp.resolve("outd"));
    FileSystemException e =
        assertThrows(FileSystemException.class, () -> Npy.writeFloat32(d, new float[] {1}));
    assertTrue(e.getMessage().contains("outd: is a directory"), e.getMessage());
    Path missing = tmp.resolve("nodir/x/o.npy");
    e = assertThrows(NoSuchFileException.class, () -> Npy.writeFloat32(missing, new float[] {1}));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    assertTrue(Files.isDirectory(d));
  }

  @Test
  void aSuccessfulWriteReplacesTheFileAndLeavesNothingElse() throws IOException {
    Path out = tmp.resolve("r.npy");
    Npy.writeFloat32(out, new float[] {1, 2, 3});
    Npy.writeStrings(out, new String[] {"ab"});
    String head = new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1);
    assertTrue(head.contains("'descr': '<U2'"), head);
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void aNamedPipeIsRefusedWithoutBlocking() throws Exception {
    Path fifo = tmp.resolve("fifo.npy");
    Path pb = tmp.resolve("fifo.pb");
    boolean made =
        new ProcessBuilder("mkfifo", fifo.toString(), pb.toString()).start().waitFor() == 0;
    org.junit.jupiter.api.Assumptions.assumeTrue(made, "mkfifo is not available");
    java.time.Duration limit = java.time.Duration.ofSeconds(20);
    FileSystemException e =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            limit, () -> assertThrows(FileSystemException.class, () -> Npy.read(fifo)));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    e =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            limit, () -> assertThrows(FileSystemException.class, () -> TensorProtos.read(pb)));
    assertTrue(e.getMessage().contains("expected a TensorProto .pb file"), e.getMessage());
  }

  @Test
  void anEmptyOrForeignTensorProtoFileIsNotCalledAnUnknownType() throws IOException {
    Path pb = tmp.resolve("empty.pb");
    Files.write(pb, new byte[0]);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> TensorProtos.read(pb));
    assertTrue(
        e.getMessage().contains("data_type 0 (UNDEFINED), expected a tensor type"), e.getMessage());
  }

  @Test
  void fixturesAreListedInTheSidecar() throws IOException {
    try (InputStream in = NpyTest.class.getResourceAsStream("npy/fixtures.json")) {
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(json.contains("\"numpy\": \"1.24"), json.substring(0, 200));
    }
  }
}
