package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.stapes.engine.internal.ExternalData;
import dev.stapes.engine.internal.ModelInspector;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutated and truncated files give the documented exception and nothing else: no other runtime
 * exception, no huge allocation. Deterministic (fixed seeds), so that a failure reproduces.
 */
class MalformedInputTest {
  static byte[] mutate(byte[] b, Random r) {
    byte[] m = b.clone();
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits; i++) {
      switch (r.nextInt(3)) {
        case 0:
          m[r.nextInt(m.length)] = (byte) r.nextInt(256);
          break;
        case 1:
          m = java.util.Arrays.copyOf(m, r.nextInt(m.length + 1));
          if (m.length == 0) {
            return m;
          }
          break;
        default:
          int at = r.nextInt(m.length);
          m[at] = (byte) (m[at] ^ (1 << r.nextInt(8)));
          break;
      }
    }
    return m;
  }

  @Test
  void mutatedNpyFilesGiveNpyFormatExceptionsOnly() throws IOException {
    Random r = new Random(42);
    String[] names = {"le_f4", "be_i8", "v2_f4", "v3_f4", "scalar_f4", "le_b1"};
    int refused = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] b = Files.readAllBytes(NpyTest.fixture(names[i % names.length]));
      byte[] m = mutate(b, r);
      try {
        NpyArray a = Npy.read(m, "mutant");
        assertTrue(a.size() * a.dtype().size() <= m.length);
      } catch (Npy.NpyFormatException e) {
        refused++;
      } catch (RuntimeException e) {
        fail("mutant " + i + " threw " + e, e);
      }
    }
    assertTrue(refused > 1000, "refused " + refused);
  }

  @Test
  void mutatedModelsGiveModelFormatExceptionsOrLoad() throws IOException {
    Random r = new Random(7);
    String[] names = {"accumulator", "context", "external_ok", "all_types"};
    for (int i = 0; i < 300; i++) {
      String name = names[i % names.length];
      byte[] m = mutate(Files.readAllBytes(TestModels.model(name)), r);
      try {
        ExternalData.inline(
            ModelInspector.inspect(m, "mutant").model(), TestModels.model(name).getParent(), "m");
      } catch (ModelInspector.BadModel e) {
        continue;
      } catch (RuntimeException e) {
        fail("mutant " + i + " of " + name + " threw " + e, e);
      }
      try (Session s =
          Session.fromBytes(
              m, "mutant", TestModels.model(name).getParent(), SessionOptions.defaults())) {
        assertTrue(s.inputs().size() >= 0);
      } catch (ModelFormatException e) {
        // refused by ONNX Runtime: fine
      } catch (RuntimeException e) {
        fail("mutant " + i + " of " + name + " threw " + e, e);
      }
    }
  }

  @Test
  void mutatedTensorProtosGiveModelFormatExceptionsOnly() throws IOException {
    Random r = new Random(3);
    byte[] proto =
        ai.onnx.proto.OnnxMl.TensorProto.newBuilder()
            .setDataType(1)
            .addDims(2)
            .addDims(3)
            .setName("x")
            .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[24]))
            .build()
            .toByteArray();
    for (int i = 0; i < 3000; i++) {
      byte[] m = mutate(proto, r);
      try {
        TensorProtos.Value v = TensorProtos.parse(m, "mutant");
        assertTrue(v.shape().length >= 0);
      } catch (ModelFormatException e) {
        // refused
      } catch (RuntimeException e) {
        fail("mutant " + i + " threw " + e, e);
      }
    }
  }
}
