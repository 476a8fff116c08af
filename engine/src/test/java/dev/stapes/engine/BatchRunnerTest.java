package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchRunner} against {@link Stream}: every lane's outputs equal its solo run exactly, for
 * a stateful model whose state carries the batch on axis 1 (as Silero VAD's {@code [2, batch,
 * 128]}), with context carried, lanes joining late and skipping steps.
 */
class BatchRunnerTest {
  static final int N = 24; // chunk samples
  static final int C = 8; // context samples
  static final int H = 16;

  /**
   * x [b, C+N], s [2, b, H]: h = tanh(x W + 0.5 s[0] + 0.25 s[1]), s' = [h, s[0]], y = h V [b, 3].
   */
  static byte[] statefulModel() {
    Random r = new Random(7);
    float[] w = new float[(C + N) * H];
    float[] v = new float[H * 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian() * 0.3f;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("stateful");
    g.addInitializer(floats("W", w, C + N, H));
    g.addInitializer(floats("V", v, H, 3));
    g.addInitializer(floats("half", new float[] {0.5f}));
    g.addInitializer(floats("quarter", new float[] {0.25f}));
    g.addInitializer(longs("zero", 0));
    g.addInitializer(longs("one", 1));
    g.addInitializer(longs("axes0", 0));
    g.addNode(node("MatMul", new String[] {"x", "W"}, "xw"));
    g.addNode(node("Gather", new String[] {"s", "zero"}, "s0"));
    g.addNode(node("Gather", new String[] {"s", "one"}, "s1"));
    g.addNode(node("Mul", new String[] {"s0", "half"}, "s0h"));
    g.addNode(node("Mul", new String[] {"s1", "quarter"}, "s1q"));
    g.addNode(node("Add", new String[] {"xw", "s0h"}, "a1"));
    g.addNode(node("Add", new String[] {"a1", "s1q"}, "a2"));
    g.addNode(node("Tanh", new String[] {"a2"}, "h"));
    g.addNode(node("Unsqueeze", new String[] {"h", "axes0"}, "hu"));
    g.addNode(node("Unsqueeze", new String[] {"s0", "axes0"}, "s0u"));
    OnnxMl.NodeProto.Builder cat = node("Concat", new String[] {"hu", "s0u"}, "s_new").toBuilder();
    cat.addAttribute(
        OnnxMl.AttributeProto.newBuilder()
            .setName("axis")
            .setType(OnnxMl.AttributeProto.AttributeType.INT)
            .setI(0));
    g.addNode(cat);
    g.addNode(node("MatMul", new String[] {"h", "V"}, "y"));
    g.addInput(value("x", "batch", C + N));
    g.addInput(value("s", 2, "batch", H));
    g.addOutput(value("y", "batch", 3));
    g.addOutput(value("s_new", 2, "batch", H));
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setGraph(g)
        .build()
        .toByteArray();
  }

  static OnnxMl.NodeProto node(String op, String[] in, String out) {
    OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out);
    for (String i : in) {
      n.addInput(i);
    }
    return n.addOutput(out).build();
  }

  static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  static OnnxMl.TensorProto longs(String name, long v) {
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
        .addInt64Data(v)
        .build();
  }

  static OnnxMl.ValueInfoProto value(String name, Object... dims) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
    for (Object d : dims) {
      s.addDim(
          d instanceof String p
              ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(p)
              : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(s)))
        .build();
  }

  static StreamSpec spec() {
    return StreamSpec.builder()
        .setAudioInput("x")
        .setChunkSamples(N)
        .optContextSamples(C)
        .addState("s", "s_new", 2, 1, H)
        .addOutput("y")
        .build();
  }

  @ParameterizedTest(name = "maxBatch={0}")
  @ValueSource(ints = {1, 2, 3, 8, 32})
  void everyLaneEqualsItsSoloStreamExactly(int maxBatch) throws Exception {
    int lanes = 11;
    int chunks = 9;
    Random r = new Random(maxBatch);
    float[][] audio = new float[lanes][N * chunks];
    for (float[] a : audio) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) r.nextGaussian();
      }
    }
    // lane i joins at step i % 3 and skips every step where (step + i) % 4 == 0
    try (Session s =
            Session.fromBytes(statefulModel(), "stateful", null, SessionOptions.defaults());
        BatchRunner runner = new BatchRunner(s, spec(), maxBatch)) {
      List<Stream> solo = new ArrayList<>();
      List<BatchRunner.Lane> lane = new ArrayList<>();
      int[] next = new int[lanes];
      for (int i = 0; i < lanes; i++) {
        solo.add(s.newStream(spec()));
        lane.add(runner.newLane());
      }
      int compared = 0;
      for (int step = 0; step < chunks * 2; step++) {
        boolean[] pushed = new boolean[lanes];
        for (int i = 0; i < lanes; i++) {
          if (step >= i % 3 && (step + i) % 4 != 0 && next[i] < chunks) {
            lane.get(i).push(audio[i], next[i] * N);
            solo.get(i).process(audio[i], next[i] * N);
            next[i]++;
            pushed[i] = true;
          }
        }
        runner.step();
        for (int i = 0; i < lanes; i++) {
          if (pushed[i]) {
            FloatBuffer want = solo.get(i).outputFloats("y");
            FloatBuffer got = lane.get(i).outputFloats("y");
            for (int j = 0; j < 3; j++) {
              assertEquals(want.get(j), got.get(j), 0f, "lane " + i + " step " + step);
            }
            compared++;
          }
        }
      }
      assertEquals(lanes * chunks, compared);
      for (Stream st : solo) {
        st.close();
      }
    }
  }

  @Test
  void aLaneWithAChunkWaitingRefusesAnotherAndTheRunnerRefusesAFixedBatch() throws Exception {
    try (Session s =
            Session.fromBytes(statefulModel(), "stateful", null, SessionOptions.defaults());
        BatchRunner runner = new BatchRunner(s, spec(), 4)) {
      BatchRunner.Lane l = runner.newLane();
      assertThrows(IllegalStateException.class, () -> l.outputFloats("y"));
      l.push(new float[N], 0);
      assertThrows(IllegalStateException.class, () -> l.push(new float[N], 0));
      assertEquals(1, runner.step());
      assertEquals(0, runner.step());
      assertThrows(IllegalArgumentException.class, () -> l.outputFloats("nope"));
      assertThrows(IllegalArgumentException.class, () -> l.push(new float[N - 1], 0));
      l.close();
      assertThrows(IllegalStateException.class, () -> l.push(new float[N], 0));
    }
    assertThrows(IllegalArgumentException.class, () -> new BatchRunner(null, spec(), 0));
    StreamSpec fixed =
        StreamSpec.builder()
            .setAudioInput("x")
            .setChunkSamples(N)
            .optContextSamples(C)
            .addState("s", "s_new", 2, 2, H)
            .build();
    try (Session s =
        Session.fromBytes(statefulModel(), "stateful", null, SessionOptions.defaults())) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> new BatchRunner(s, fixed, 4));
      assertTrue(e.getMessage().contains("no free batch axis"), e.getMessage());
    }
  }
}
