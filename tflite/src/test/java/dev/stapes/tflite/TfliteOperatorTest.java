package dev.stapes.tflite;

import static dev.stapes.tflite.TinyTflite.count;
import static dev.stapes.tflite.TinyTflite.of;
import static dev.stapes.tflite.TinyTflite.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Operator translation checked against reference arithmetic written here in plain Java (TFLite's
 * documented semantics: NHWC, SAME padding with the odd element at the end, fused activations), on
 * small models written by {@link TinyTflite}, with awkward sizes (odd, prime, stride larger than
 * the kernel, dilation).
 */
class TfliteOperatorTest {

  static final float TOL = 1e-5f;

  // ---------------------------------------------------------------- harness

  /** Imports {@code tflite}, runs it with ONNX Runtime on {@code inputs}; returns output 0. */
  static float[] run(byte[] tflite, Map<String, float[]> inputs, Map<String, long[]> shapes)
      throws Exception {
    OnnxMl.ModelProto model = TfliteImporter.convert(TfliteModel.read(ByteBuffer.wrap(tflite)));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model.toByteArray(), new OrtSession.SessionOptions())) {
      Map<String, OnnxTensor> feeds = new HashMap<>();
      try {
        for (Map.Entry<String, float[]> e : inputs.entrySet()) {
          feeds.put(
              e.getKey(),
              OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue()), shapes.get(e.getKey())));
        }
        try (OrtSession.Result r = s.run(feeds)) {
          FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
          float[] out = new float[b.remaining()];
          b.get(out);
          return out;
        }
      } finally {
        for (OnnxTensor t : feeds.values()) {
          t.close();
        }
      }
    }
  }

  static float[] run1(byte[] tflite, float[] x, int... shape) throws Exception {
    return run(tflite, Map.of("x", x), Map.of("x", Arrays.stream(shape).asLongStream().toArray()));
  }

  static void close(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, "element count");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          expected[i], actual[i], TOL * Math.max(1, Math.abs(expected[i])), "element " + i);
    }
  }

  static float act(float v, int activation) {
    switch (activation) {
      case 1:
        return Math.max(0, v);
      case 2:
        return Math.max(-1, Math.min(1, v));
      case 3:
        return Math.max(0, Math.min(6, v));
      case 4:
        return (float) Math.tanh(v);
      default:
        return v;
    }
  }

  static int outSize(int in, int k, int stride, int dilation, boolean same) {
    int eff = (k - 1) * dilation + 1;
    return same ? (in + stride - 1) / stride : (in - eff) / stride + 1;
  }

  static int padBefore(int in, int k, int stride, int dilation, boolean same) {
    if (!same) {
      return 0;
    }
    int out = outSize(in, k, stride, dilation, true);
    int total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0);
    return total / 2;
  }

  // ---------------------------------------------------------------- convolution and pooling

  /** TFLite CONV_2D / DEPTHWISE_CONV_2D in NHWC, computed naively. */
  static float[] convReference(
      float[] x,
      int n,
      int h,
      int w,
      int c,
      float[] filter,
      int o,
      int kh,
      int kw,
      int fi,
      float[] bias,
      int sh,
      int sw,
      int dh,
      int dw,
      boolean same,
      int activation,
      boolean depthwise,
      int multiplier) {
    int oh = outSize(h, kh, sh, dh, same);
    int ow = outSize(w, kw, sw, dw, same);
    int pt = padBefore(h, kh, sh, dh, same);
    int pl = padBefore(w, kw, sw, dw, same);
    int outC = depthwise ? c * multiplier : o;
    float[] y = new float[n * oh * ow * outC];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int oc = 0; oc < outC; oc++) {
            double s = bias == null ? 0 : bias[oc];
            for (int ki = 0; ki < kh; ki++) {
              for (int kj = 0; kj < kw; kj++) {
                int yi = i * sh + ki * dh - pt;
                int xj = j * sw + kj * dw - pl;
                if (yi < 0 || yi >= h || xj < 0 || xj >= w) {
                  continue;
                }
                if (depthwise) {
                  int ic = oc / multiplier;
                  s += x[((b * h + yi) * w + xj) * c + ic] * filter[(ki * kw + kj) * outC + oc];
                } else {
                  int group = oc / (o / (c / fi));
                  for (int f = 0; f < fi; f++) {
                    int ic = group * fi + f;
                    s +=
                        x[((b * h + yi) * w + xj) * c + ic]
                            * filter[((oc * kh + ki) * kw + kj) * fi + f];
                  }
                }
              }
            }
            y[((b * oh + i) * ow + j) * outC + oc] = act((float) s, activation);
          }
        }
      }
    }
    return y;
  }

  @ParameterizedTest(
      name = "conv {0}x{1}x{2} k{3}x{4} s{5},{6} d{7},{8} same={9} act={10} groups={11}")
  @CsvSource({
    "7, 9, 3, 3, 2, 2, 1, 1, 2, true, 3, 1",
    "7, 9, 3, 3, 2, 2, 1, 1, 2, false, 0, 1",
    "5, 5, 4, 3, 3, 3, 3, 1, 1, true, 1, 2",
    "1, 13, 1, 1, 5, 1, 3, 1, 1, false, 0, 1",
    "6, 4, 2, 1, 1, 1, 1, 1, 1, true, 4, 1",
    "8, 8, 2, 2, 2, 2, 2, 2, 2, true, 2, 1"
  })
  void conv2dMatchesNhwcReference(
      int h,
      int w,
      int c,
      int kh,
      int kw,
      int sh,
      int sw,
      int dh,
      int dw,
      boolean same,
      int activation,
      int groups)
      throws Exception {
    int o = 4;
    int fi = c / groups;
    float[] x = values(2 * h * w * c, 1);
    float[] filter = values(o * kh * kw * fi, 2);
    float[] bias = values(o, 3);
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 2, h, w, c);
    int ft = m.constant("filter", filter, o, kh, kw, fi);
    int bt = m.constant("bias", bias, o);
    int oh = outSize(h, kh, sh, dh, same);
    int ow = outSize(w, kw, sw, dw, same);
    int yt = m.tensor("y", 2, oh, ow, o);
    m.op(
            BuiltinOps.CONV_2D,
            of(xt, ft, bt),
            of(yt),
            1,
            6,
            b -> {
              b.addByte(0, (byte) (same ? 0 : 1), 0);
              b.addInt(1, sw, 0);
              b.addInt(2, sh, 0);
              b.addByte(3, (byte) activation, 0);
              b.addInt(4, dw, 1);
              b.addInt(5, dh, 1);
            })
        .io(of(xt), of(yt));
    float[] expected =
        convReference(
            x, 2, h, w, c, filter, o, kh, kw, fi, bias, sh, sw, dh, dw, same, activation, false, 1);
    close(expected, run1(m.build(), x, 2, h, w, c));
  }

  @ParameterizedTest(name = "depthwise {0}x{1}x{2} m={3} same={4}")
  @CsvSource({"5, 7, 3, 2, true", "6, 6, 2, 1, false", "1, 11, 5, 3, true"})
  void depthwiseConvMatchesReference(int h, int w, int c, int mult, boolean same) throws Exception {
    int kh = Math.min(3, h);
    int kw = 3;
    float[] x = values(h * w * c, 4);
    float[] filter = values(kh * kw * c * mult, 5);
    float[] bias = values(c * mult, 6);
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 1, h, w, c);
    int ft = m.constant("filter", filter, 1, kh, kw, c * mult);
    int bt = m.constant("bias", bias, c * mult);
    int oh = outSize(h, kh, 1, 1, same);
    int ow = outSize(w, kw, 2, 1, same);
    int yt = m.tensor("y", 1, oh, ow, c * mult);
    m.op(
            BuiltinOps.DEPTHWISE_CONV_2D,
            of(xt, ft, bt),
            of(yt),
            2,
            7,
            b -> {
              b.addByte(0, (byte) (same ? 0 : 1), 0);
              b.addInt(1, 2, 0);
              b.addInt(2, 1, 0);
              b.addInt(3, mult, 0);
              b.addByte(4, (byte) 1, 0);
            })
        .io(of(xt), of(yt));
    float[] expected =
        convReference(x, 1, h, w, c, filter, 0, kh, kw, 1, bias, 1, 2, 1, 1, same, 1, true, mult);
    close(expected, run1(m.build(), x, 1, h, w, c));
  }

  @ParameterizedTest(name = "{0} {1}x{2} f{3}x{4} s{5} same={6}")
  @CsvSource({
    "MAX, 7, 5, 3, 2, 2, true",
    "MAX, 7, 5, 2, 2, 2, false",
    "AVG, 7, 5, 3, 3, 2, true",
    "AVG, 9, 4, 2, 3, 3, false",
    "MAX, 1, 13, 1, 3, 3, true"
  })
  void poolingMatchesReference(String kind, int h, int w, int fh, int fw, int s, boolean same)
      throws Exception {
    int c = 3;
    float[] x = values(h * w * c, 7);
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 1, h, w, c);
    int oh = outSize(h, fh, s, 1, same);
    int ow = outSize(w, fw, s, 1, same);
    int yt = m.tensor("y", 1, oh, ow, c);
    boolean max = kind.equals("MAX");
    m.op(
            max ? BuiltinOps.MAX_POOL_2D : BuiltinOps.AVERAGE_POOL_2D,
            of(xt),
            of(yt),
            5,
            6,
            b -> {
              b.addByte(0, (byte) (same ? 0 : 1), 0);
              b.addInt(1, s, 0);
              b.addInt(2, s, 0);
              b.addInt(3, fw, 0);
              b.addInt(4, fh, 0);
            })
        .io(of(xt), of(yt));
    int pt = padBefore(h, fh, s, 1, same);
    int pl = padBefore(w, fw, s, 1, same);
    float[] expected = new float[oh * ow * c];
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        for (int ch = 0; ch < c; ch++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          int n = 0;
          for (int a = 0; a < fh; a++) {
            for (int bb = 0; bb < fw; bb++) {
              int yi = i * s + a - pt;
              int xj = j * s + bb - pl;
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) {
                continue;
              }
              float v = x[(yi * w + xj) * c + ch];
              acc = max ? Math.max(acc, v) : acc + v;
              n++;
            }
          }
          expected[(i * ow + j) * c + ch] = (float) (max ? acc : acc / n);
        }
      }
    }
    close(expected, run1(m.build(), x, 1, h, w, c));
  }

  // ---------------------------------------------------------------- dense, matmul

  @ParameterizedTest(name = "fully connected keep_num_dims={0} bias={1} act={2}")
  @CsvSource({"false, true, 0", "true, true, 1", "false, false, 3", "true, false, 2"})
  void fullyConnectedMatchesReference(boolean keepNumDims, boolean withBias, int activation)
      throws Exception {
    int rows = 3;
    int seq = 5;
    int in = 7;
    int out = 11;
    float[] x = values(rows * seq * in, 8);
    float[] weights = values(out * in, 9);
    float[] bias = values(out, 10);
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", rows, seq, in);
    int wt = m.constant("w", weights, out, in);
    int bt = withBias ? m.constant("b", bias, out) : -1;
    int yt = keepNumDims ? m.tensor("y", rows, seq, out) : m.tensor("y", rows * seq, out);
    m.op(
            BuiltinOps.FULLY_CONNECTED,
            of(xt, wt, bt),
            of(yt),
            8,
            4,
            b -> {
              b.addByte(0, (byte) activation, 0);
              b.addBoolean(2, keepNumDims, false);
            })
        .io(of(xt), of(yt));
    float[] expected = new float[rows * seq * out];
    for (int r = 0; r < rows * seq; r++) {
      for (int o = 0; o < out; o++) {
        double s = withBias ? bias[o] : 0;
        for (int i = 0; i < in; i++) {
          s += x[r * in + i] * weights[o * in + i];
        }
        expected[r * out + o] = act((float) s, activation);
      }
    }
    close(expected, run1(m.build(), x, rows, seq, in));
  }

  @ParameterizedTest(name = "batch matmul adj_x={0} adj_y={1}")
  @CsvSource({"false, false", "true, false", "false, true", "true, true"})
  void batchMatMulHonoursAdjoints(boolean adjX, boolean adjY) throws Exception {
    int batch = 2;
    int mm = 3;
    int k = 5;
    int nn = 4;
    float[] a = values(batch * mm * k, 11);
    float[] bv = values(batch * k * nn, 12);
    TinyTflite m = new TinyTflite();
    int at = adjX ? m.tensor("x", batch, k, mm) : m.tensor("x", batch, mm, k);
    int bt = adjY ? m.constant("b", bv, batch, nn, k) : m.constant("b", bv, batch, k, nn);
    int yt = m.tensor("y", batch, mm, nn);
    m.op(
            BuiltinOps.BATCH_MATMUL,
            of(at, bt),
            of(yt),
            101,
            3,
            b -> {
              b.addBoolean(0, adjX, false);
              b.addBoolean(1, adjY, false);
            })
        .io(of(at), of(yt));
    float[] expected = new float[batch * mm * nn];
    for (int q = 0; q < batch; q++) {
      for (int i = 0; i < mm; i++) {
        for (int j = 0; j < nn; j++) {
          double s = 0;
          for (int l = 0; l < k; l++) {
            float av = adjX ? a[(q * k + l) * mm + i] : a[(q * mm + i) * k + l];
            float bb = adjY ? bv[(q * nn + j) * k + l] : bv[(q * k + l) * nn + j];
            s += av * bb;
          }
          expected[(q * mm + i) * nn + j] = (float) s;
        }
      }
    }
    close(expected, run1(m.build(), a, adjX ? of(batch, k, mm) : of(batch, mm, k)));
  }

  // ---------------------------------------------------------------- strided slice

  /** x = 0..23 in shape [2, 3, 4]. */
  static float[] iota(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i;
    }
    return v;
  }

  static float[] stridedSlice(
      int[] begin,
      int[] end,
      int[] strides,
      int beginMask,
      int endMask,
      int ellipsisMask,
      int newAxisMask,
      int shrinkMask,
      int[] outShape)
      throws Exception {
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 2, 3, 4);
    int bt = m.ints("begin", begin);
    int et = m.ints("end", end);
    int st = m.ints("strides", strides);
    int yt = m.tensor("y", outShape);
    m.op(
            BuiltinOps.STRIDED_SLICE,
            of(xt, bt, et, st),
            of(yt),
            32,
            6,
            b -> {
              b.addInt(0, beginMask, 0);
              b.addInt(1, endMask, 0);
              b.addInt(2, ellipsisMask, 0);
              b.addInt(3, newAxisMask, 0);
              b.addInt(4, shrinkMask, 0);
            })
        .io(of(xt), of(yt));
    return run1(m.build(), iota(24), 2, 3, 4);
  }

  @Test
  void stridedSliceWithPlainRanges() throws Exception {
    // x[1:2, 0:3:2, 1:4:2] -> [[[13, 15], [21, 23]]]
    assertArrayEquals(
        new float[] {13, 15, 21, 23},
        stridedSlice(of(1, 0, 1), of(2, 3, 4), of(1, 2, 2), 0, 0, 0, 0, 0, of(1, 2, 2)));
  }

  @Test
  void stridedSliceWithMasksAndNegativeStride() throws Exception {
    // x[:, ::-1, -1] (begin/end masks on axes 0-1, shrink on axis 2) -> [[11, 7, 3], [23, 19, 15]]
    assertArrayEquals(
        new float[] {11, 7, 3, 23, 19, 15},
        stridedSlice(of(0, 0, -1), of(0, 0, 0), of(1, -1, 1), 0b011, 0b011, 0, 0, 0b100, of(2, 3)));
  }

  @Test
  void stridedSliceWithEllipsisAndNewAxis() throws Exception {
    // x[..., 1:3, newaxis] -> shape [2, 3, 2, 1]
    float[] expected = new float[12];
    int k = 0;
    for (int a = 0; a < 2; a++) {
      for (int b = 0; b < 3; b++) {
        for (int c = 1; c < 3; c++) {
          expected[k++] = a * 12 + b * 4 + c;
        }
      }
    }
    assertArrayEquals(
        expected,
        stridedSlice(of(0, 1, 0), of(0, 3, 0), of(1, 1, 1), 0, 0, 0b001, 0b100, 0, of(2, 3, 2, 1)));
  }

  @Test
  void stridedSliceShrinkingTheLastElement() throws Exception {
    // x[-1, 2] -> [20, 21, 22, 23]
    assertArrayEquals(
        new float[] {20, 21, 22, 23},
        stridedSlice(of(-1, 2), of(0, 0), of(1, 1), 0, 0, 0, 0, 0b11, of(4)));
  }

  // ---------------------------------------------------------------- element-wise and shape ops

  @Test
  void elementwiseOperatorsMatchTheirDefinitions() throws Exception {
    float[] x = values(2 * 3 * 5, 13);
    float[] c = values(5, 14);
    for (int i = 0; i < c.length; i++) {
      c[i] = Math.abs(c[i]) + 0.5f;
    }
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 2, 3, 5);
    int ct = m.constant("c", c, 5);
    int sq = m.tensor("sqdiff", 2, 3, 5);
    int lr = m.tensor("leaky", 2, 3, 5);
    int ab = m.tensor("abs", 2, 3, 5);
    int rs = m.tensor("rsqrt", 2, 3, 5);
    int pw = m.tensor("pow", 2, 3, 5);
    int sm = m.tensor("softmax", 2, 3, 5);
    int sb = m.tensor("sub", 2, 3, 5);
    m.op(BuiltinOps.SQUARED_DIFFERENCE, of(xt, ct), of(sq))
        .op(BuiltinOps.LEAKY_RELU, of(sq), of(lr), 75, 1, b -> b.addFloat(0, 0.2f, 0))
        .op(BuiltinOps.ABS, of(xt), of(ab))
        .op(BuiltinOps.RSQRT, of(ct), of(rs))
        .op(BuiltinOps.POW, of(ab, ct), of(pw))
        .op(BuiltinOps.SOFTMAX, of(pw), of(sm), 9, 1, b -> b.addFloat(0, 0.5f, 0))
        .op(BuiltinOps.SUB, of(sm, rs), of(sb), 28, 2, b -> b.addByte(0, (byte) 1, 0))
        .io(of(xt), of(sb));
    float[] expected = new float[x.length];
    for (int r = 0; r < 6; r++) {
      double[] p = new double[5];
      double sum = 0;
      for (int j = 0; j < 5; j++) {
        p[j] = Math.exp(0.5 * Math.pow(Math.abs(x[r * 5 + j]), c[j]));
        sum += p[j];
      }
      for (int j = 0; j < 5; j++) {
        expected[r * 5 + j] = (float) Math.max(0, p[j] / sum - 1 / Math.sqrt(c[j]));
      }
    }
    close(expected, run1(m.build(), x, 2, 3, 5));
  }

  @Test
  void float16WeightsAreDequantizedToFloat32() throws Exception {
    float[] w = values(3 * 4, 21);
    float[] x = values(2 * 4, 22);
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 2, 4);
    int half = m.half("w16", w, 3, 4);
    int wf = m.tensor("w32", 3, 4);
    int yt = m.tensor("y", 2, 3);
    m.op(BuiltinOps.DEQUANTIZE, of(half), of(wf))
        .op(BuiltinOps.FULLY_CONNECTED, of(xt, wf, -1), of(yt))
        .io(of(xt), of(yt));
    float[] expected = new float[6];
    for (int r = 0; r < 2; r++) {
      for (int o = 0; o < 3; o++) {
        double s = 0;
        for (int i = 0; i < 4; i++) {
          // the weights as float16 holds them
          float h = Float.intBitsToFloat(Float.floatToIntBits(w[o * 4 + i]) + 0x1000 & 0xffffe000);
          s += x[r * 4 + i] * h;
        }
        expected[r * 3 + o] = (float) s;
      }
    }
    close(expected, run1(m.build(), x, 2, 4));
  }

  @Test
  void comparisonsSelectAndCastMatchTheirDefinitions() throws Exception {
    // y = cast(x >= 0.25 and not (x == c)) + where(x < c, x, c)
    float[] x = {-1f, 0.25f, 0.5f, 2f, 0.75f};
    float[] c = {0f, 0f, 0.5f, 1f, 1f};
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 5);
    int ct = m.constant("c", c, 5);
    int q = m.constant("quarter", new float[] {0.25f});
    int ge = m.boolTensor("ge", 5);
    int eq = m.boolTensor("eq", 5);
    int ne = m.boolTensor("ne", 5);
    int both = m.boolTensor("both", 5);
    int asFloat = m.tensor("as_float", 5);
    int lt = m.boolTensor("lt", 5);
    int sel = m.tensor("sel", 5);
    int y = m.tensor("y", 5);
    m.op(BuiltinOps.GREATER_EQUAL, of(xt, q), of(ge))
        .op(BuiltinOps.EQUAL, of(xt, ct), of(eq))
        .op(BuiltinOps.LOGICAL_NOT, of(eq), of(ne))
        .op(BuiltinOps.LOGICAL_AND, of(ge, ne), of(both))
        .op(BuiltinOps.CAST, of(both), of(asFloat))
        .op(BuiltinOps.LESS, of(xt, ct), of(lt))
        .op(BuiltinOps.SELECT_V2, of(lt, xt, ct), of(sel))
        .op(BuiltinOps.ADD, of(asFloat, sel), of(y))
        .io(of(xt), of(y));
    float[] expected = new float[5];
    for (int i = 0; i < 5; i++) {
      expected[i] = ((x[i] >= 0.25f && x[i] != c[i]) ? 1 : 0) + (x[i] < c[i] ? x[i] : c[i]);
    }
    close(expected, run1(m.build(), x, 5));
  }

  @Test
  void shapeOperatorsMatchTheirDefinitions() throws Exception {
    // x [2, 3] -> pad [[1, 0], [0, 2]] -> [3, 5] -> expand_dims(0) -> [1, 3, 5]
    // -> transpose (0, 2, 1) -> [1, 5, 3] -> gather(axis 1, [4, 0]) -> [1, 2, 3]
    // -> mean(axis 2, keep) -> [1, 2, 1] -> squeeze -> [2] ; concat with reshape(x) [6] -> [8]
    float[] x = {1, 2, 3, 4, 5, 6};
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("x", 2, 3);
    int padded = m.tensor("padded", 3, 5);
    int expanded = m.tensor("expanded", 1, 3, 5);
    int transposed = m.tensor("transposed", 1, 5, 3);
    int gathered = m.tensor("gathered", 1, 2, 3);
    int mean = m.tensor("mean", 1, 2, 1);
    int squeezed = m.tensor("squeezed", 2);
    int flat = m.tensor("flat", 6);
    int y = m.tensor("y", 8);
    m.op(BuiltinOps.PAD, of(xt, m.intsShaped("paddings", of(1, 0, 0, 2), 2, 2)), of(padded))
        .op(BuiltinOps.EXPAND_DIMS, of(padded, m.intsShaped("axis", of(0))), of(expanded))
        .op(BuiltinOps.TRANSPOSE, of(expanded, m.ints("perm", 0, 2, 1)), of(transposed))
        .op(
            BuiltinOps.GATHER,
            of(transposed, m.ints("indices", 4, 0)),
            of(gathered),
            23,
            2,
            b -> b.addInt(0, 1, 0))
        .op(
            BuiltinOps.MEAN,
            of(gathered, m.ints("axes", 2)),
            of(mean),
            27,
            1,
            b -> b.addBoolean(0, true, false))
        .op(BuiltinOps.SQUEEZE, of(mean), of(squeezed))
        .op(BuiltinOps.RESHAPE, of(xt, m.ints("shape", 6)), of(flat))
        .op(BuiltinOps.CONCATENATION, of(squeezed, flat), of(y), 10, 2, b -> b.addInt(0, 0, 0))
        .io(of(xt), of(y));
    // padded rows: [0 0 0 0 0], [1 2 3 0 0], [4 5 6 0 0]; transposed [5, 3]: column j of padded.
    // gather rows 4 and 0 of the transpose: [0 0 0], [0 1 4] -> means 0 and 5/3.
    float[] expected = {0, 5f / 3, 1, 2, 3, 4, 5, 6};
    close(expected, run1(m.build(), x, 2, 3));
  }

  @Test
  void namesOfInputsOutputsAndNodesAreKept() throws Exception {
    TinyTflite m = new TinyTflite();
    int xt = m.tensor("serving_default_input:0", 1, 4);
    int yt = m.tensor("model/dense/Relu;model/dense/BiasAdd", 1, 2);
    m.op(
            BuiltinOps.FULLY_CONNECTED,
            of(
                xt,
                m.constant("model/dense/MatMul", values(8, 1), 2, 4),
                m.constant("bias", values(2, 2), 2)),
            of(yt),
            8,
            4,
            b -> b.addByte(0, (byte) 1, 0))
        .io(of(xt), of(yt));
    OnnxMl.GraphProto g =
        TfliteImporter.convert(TfliteModel.read(ByteBuffer.wrap(m.build()))).getGraph();
    assertEquals("serving_default_input:0", g.getInput(0).getName());
    assertEquals("model/dense/Relu;model/dense/BiasAdd", g.getOutput(0).getName());
    assertTrue(
        g.getNodeList().stream()
            .anyMatch(n -> n.getName().equals("model/dense/Relu;model/dense/BiasAdd")));
    assertTrue(
        g.getInitializerList().stream().anyMatch(t -> t.getName().equals("model/dense/MatMul")));
  }

  // ---------------------------------------------------------------- errors

  static String importError(TinyTflite m) {
    byte[] bytes = m.build();
    return assertThrows(
            TfliteImportException.class,
            () -> TfliteImporter.convert(TfliteModel.read(ByteBuffer.wrap(bytes))))
        .getMessage();
  }

  @Test
  void anUnsupportedOperatorIsNamedWithItsIndex() {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 4);
    int y = m.tensor("y", 4);
    int z = m.tensor("z", 4);
    m.op(BuiltinOps.RELU, of(x), of(y)).op(131, of(y), of(z)).io(of(x), of(z));
    String msg = importError(m);
    assertTrue(msg.startsWith("operator #1 RFFT2D"), msg);
    assertTrue(msg.contains("not supported"), msg);
  }

  @Test
  void aCustomOperatorIsNamedWithItsIndex() {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 4);
    int y = m.tensor("y", 4);
    m.custom("AudioSpectrogram", of(x), of(y)).io(of(x), of(y));
    String msg = importError(m);
    assertTrue(msg.startsWith("operator #0 CUSTOM:AudioSpectrogram"), msg);
  }

  @Test
  void controlFlowIsRefused() {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 4);
    int y = m.tensor("y", 4);
    m.op(BuiltinOps.WHILE, of(x), of(y)).io(of(x), of(y));
    String msg = importError(m);
    assertTrue(msg.startsWith("operator #0 WHILE: control flow"), msg);
  }

  @Test
  void aQuantizedTensorIsRefusedWithItsName() {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 4);
    int q = m.quantizedTensor("q8", 4);
    int y = m.tensor("y", 4);
    m.op(BuiltinOps.RELU, of(x), of(q)).op(BuiltinOps.RELU, of(q), of(y)).io(of(x), of(y));
    String msg = importError(m);
    assertTrue(msg.startsWith("operator #0 RELU: tensor #1 'q8' is quantized"), msg);
  }

  @Test
  void anUnsupportedOptionValueIsNamed() {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 4);
    int y = m.tensor("y", 4);
    m.op(BuiltinOps.ADD, of(x, x), of(y), 11, 2, b -> b.addByte(0, (byte) 5, 0)).io(of(x), of(y));
    String msg = importError(m);
    assertTrue(msg.contains("operator #0 ADD: fused_activation_function=5"), msg);
  }

  @Test
  void truncatedOrForeignBytesAreRefusedCleanly() {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 4);
    int y = m.tensor("y", 4);
    m.op(BuiltinOps.RELU, of(x), of(y)).io(of(x), of(y));
    byte[] good = m.build();
    for (int cut : new int[] {0, 7, 8, 31, good.length / 2}) {
      byte[] part = Arrays.copyOf(good, cut);
      TfliteImportException e =
          assertThrows(
              TfliteImportException.class,
              () -> TfliteImporter.convert(TfliteModel.read(ByteBuffer.wrap(part))),
              "cut at " + cut);
      assertTrue(
          e.getMessage().contains("TFLite") || e.getMessage().contains("tensor"), e.getMessage());
    }
    assertThrows(
        TfliteImportException.class,
        () -> TfliteModel.read(ByteBuffer.wrap("PK\3\4 not a flatbuffer".getBytes())));
  }

  @Test
  void randomlyDamagedFilesFailWithAnImportErrorOnly() throws Exception {
    TinyTflite m = new TinyTflite();
    int x = m.tensor("x", 1, 5, 5, 2);
    int y = m.tensor("y", 1, 5, 5, 3);
    int z = m.tensor("z", 1, 75);
    m.op(
            BuiltinOps.CONV_2D,
            of(
                x,
                m.constant("f", values(3 * 3 * 3 * 2, 1), 3, 3, 3, 2),
                m.constant("b", values(3, 2), 3)),
            of(y),
            1,
            6,
            b -> b.addInt(1, 1, 0))
        .op(BuiltinOps.RESHAPE, of(y, m.ints("shape", 1, 75)), of(z))
        .io(of(x), of(z));
    byte[] good = m.build();
    java.util.Random r = new java.util.Random(7);
    int imported = 0;
    for (int trial = 0; trial < 2000; trial++) {
      byte[] bad = good.clone();
      int flips = 1 + r.nextInt(4);
      for (int f = 0; f < flips; f++) {
        bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
      }
      try {
        TfliteImporter.convert(TfliteModel.read(ByteBuffer.wrap(bad)));
        imported++;
      } catch (TfliteImportException expected) {
        // the only acceptable failure
      }
    }
    assertTrue(imported > 0, "some damage only touches data and imports");
  }

  @Test
  void everyListedOperatorIsTranslatable() {
    assertTrue(
        TfliteImporter.supportedOperators()
            .containsAll(
                java.util.List.of(
                    "STRIDED_SLICE",
                    "RESHAPE",
                    "GATHER",
                    "MUL",
                    "FULLY_CONNECTED",
                    "ADD",
                    "SQRT",
                    "MAXIMUM",
                    "LOG",
                    "SUB",
                    "CONCATENATION",
                    "TRANSPOSE",
                    "SOFTMAX",
                    "MEAN",
                    "SQUARED_DIFFERENCE",
                    "RSQRT",
                    "POW",
                    "TANH",
                    "PAD",
                    "CONV_2D",
                    "LEAKY_RELU",
                    "MAX_POOL_2D",
                    "EXPAND_DIMS",
                    "SQUEEZE",
                    "BATCH_MATMUL",
                    "MINIMUM",
                    "REDUCE_MAX",
                    "LOGISTIC")));
    assertEquals(count(2, 3), 6);
  }
}
