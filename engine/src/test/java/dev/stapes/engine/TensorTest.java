package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TensorTest {
  static Session allTypes;

  @BeforeAll
  static void open() throws IOException {
    allTypes = Session.open(TestModels.model("all_types"));
  }

  @AfterAll
  static void close() {
    allTypes.close();
  }

  static Tensor sample(String type) {
    long[] shape = {2, 3};
    switch (type) {
      case "string":
        return Tensor.ofStrings(new String[] {"a", "", "ü", "long text", "5", "six"}, shape);
      case "bfloat16":
        {
          ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < 6; i++) {
            b.putShort((short) (Float.floatToIntBits(i - 2.5f) >>> 16));
          }
          b.flip();
          return Tensor.of(ElementType.BFLOAT16, b, shape);
        }
      default:
        {
          NpyDType d = NpyDType.fromCode(type);
          ByteBuffer b = ByteBuffer.allocate(6 * d.size()).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < 6 * d.size(); i++) {
            b.put((byte) (d == NpyDType.B1 ? i % 2 : 17 * i + 3));
          }
          b.flip();
          return Tensor.of(new NpyArray(d, shape, b));
        }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "float",
        "double",
        "float16",
        "bfloat16",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "bool",
        "string"
      })
  void roundTripsEveryElementTypeThroughOnnxRuntime(String type) throws IOException {
    Map<String, Tensor> in = new HashMap<>();
    try {
      for (String t :
          new String[] {
            "float",
            "double",
            "float16",
            "bfloat16",
            "int8",
            "int16",
            "int32",
            "int64",
            "uint8",
            "bool",
            "string"
          }) {
        in.put("x_" + t, sample(t));
      }
      try (Session.Outputs out = allTypes.run(in)) {
        Tensor x = in.get("x_" + type);
        Tensor y = out.get("y_" + type);
        assertEquals(x.type(), y.type());
        assertArrayEquals(x.shape(), y.shape());
        if (type.equals("string")) {
          assertArrayEquals(x.toStrings(), y.toStrings());
        } else {
          assertEquals(x.data(), y.data());
          if (x.type().npy() != null) {
            assertEquals(x.toNpy(), y.toNpy());
          }
        }
      }
    } finally {
      for (Tensor t : in.values()) {
        t.close();
      }
    }
  }

  @Test
  void namesTheTypesOnnxRuntimeJavaCannotCreate() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Tensor.of(
                    NpyArray.ofInt32(new int[] {1}, 1).dtype() == NpyDType.I4
                        ? new NpyArray(NpyDType.U4, new long[] {1}, ByteBuffer.allocate(4))
                        : null));
    assertTrue(e.getMessage().contains("uint32"), e.getMessage());
    assertTrue(e.getMessage().contains("expected one of"), e.getMessage());
  }

  @Test
  void checksDataLengthAgainstTheShape() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.ofFloats(new float[] {1, 2, 3}, 2, 2));
    assertTrue(e.getMessage().contains("values.length=3"), e.getMessage());
  }

  @Test
  void throwsAfterCloseAndClosesTwice() {
    Tensor t = Tensor.ofFloats(new float[] {1}, 1);
    t.close();
    t.close();
    assertEquals(
        "Tensor is closed", assertThrows(IllegalStateException.class, t::data).getMessage());
  }

  @Test
  void buildsEveryTypeFromJavaArrays() {
    try (Tensor d = Tensor.ofDoubles(new double[] {1.5, -2}, 2);
        Tensor i = Tensor.ofInts(new int[] {7, -8}, 1, 2);
        Tensor s = Tensor.ofShorts(new short[] {-3}, 1);
        Tensor b = Tensor.ofBytes(ElementType.UINT8, new byte[] {(byte) 200}, 1);
        Tensor z = Tensor.ofBooleans(new boolean[] {true, false}, 2);
        Tensor h = Tensor.ofFloat16(new float[] {0.5f, 65504f}, 2)) {
      assertArrayEquals(new double[] {1.5, -2}, d.toNpy().toDoubleArray());
      assertArrayEquals(new long[] {7, -8}, i.toNpy().toLongArray());
      assertArrayEquals(new long[] {-3}, s.toNpy().toLongArray());
      assertArrayEquals(new long[] {200}, b.toNpy().toLongArray());
      assertArrayEquals(new long[] {1, 0}, z.toNpy().toLongArray());
      assertArrayEquals(new float[] {0.5f, 65504f}, h.toNpy().toFloatArray());
      assertEquals(ElementType.FLOAT16, h.type());
    }
    assertThrows(
        IllegalArgumentException.class, () -> Tensor.ofBytes(ElementType.INT16, new byte[1], 1));
  }

  @Test
  void zerosOfEveryCreatableType() {
    for (ElementType e : ElementType.values()) {
      if (e.creatable()) {
        try (Tensor t = Tensor.zeros(e, 2, 2)) {
          assertEquals(4, t.size());
          assertEquals(e, t.type());
        }
      }
    }
  }
}
