package dev.stapes.tflite;

import static dev.stapes.tflite.OnnxGraphWriter.attr;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.stapes.tflite.TfliteModel.Operator;
import dev.stapes.tflite.TfliteModel.Options;
import dev.stapes.tflite.TfliteModel.Tensor;
import dev.stapes.tflite.TfliteModel.TensorType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Translates the main subgraph of a float32 TFLite model into an equivalent ONNX graph (opset
 * {@value #OPSET}).
 *
 * <p>Conventions of the result:
 *
 * <ul>
 *   <li>Every tensor keeps its layout: TFLite's NHWC activations stay NHWC in the ONNX graph; a
 *       convolution or pooling is wrapped in two {@code Transpose} nodes (NHWC to NCHW and back),
 *       which ONNX Runtime's layout optimiser removes between consecutive convolutions.
 *   <li>Graph inputs, graph outputs and every computed value keep the TFLite tensor's name; the
 *       node that produces a TFLite tensor is named after it, helper nodes are named {@code
 *       <tensor>/<step>}. A name used twice in the file gets a suffix {@code _1}, {@code _2}, ...
 *   <li>Constant tensors become initializers under their TFLite names; a fully connected weight
 *       {@code [out, in]} is stored transposed ({@code [in, out]}) for {@code MatMul}, a
 *       convolution filter {@code OHWI} is stored as {@code OIHW}.
 *   <li>Dimensions unknown at conversion ({@code -1} in the shape signature) stay symbolic.
 * </ul>
 *
 * <p>A quantized tensor, control flow, an unsupported operator or an unsupported option value is
 * reported as a {@link TfliteImportException} naming the operator and its index.
 */
public final class TfliteImporter {

  /** Version of the translation rules; a change re-imports models cached by the store. */
  public static final String VERSION = "2";

  /** The ONNX opset of the graphs written. */
  public static final int OPSET = 17;

  private static final long INT64_MAX = Long.MAX_VALUE;
  private static final long INT64_MIN = Long.MIN_VALUE;

  // Activation codes of the schema's ActivationFunctionType enum.
  private static final int ACT_NONE = 0;
  private static final int ACT_RELU = 1;
  private static final int ACT_RELU_N1_TO_1 = 2;
  private static final int ACT_RELU6 = 3;
  private static final int ACT_TANH = 4;
  // Padding enum.
  private static final int PADDING_SAME = 0;
  private static final int PADDING_VALID = 1;

  /** The operators translated: the one list, from which {@link #supportedOperators()} comes. */
  private enum Op {
    ADD,
    SUB,
    MUL,
    DIV,
    MAXIMUM,
    MINIMUM,
    POW,
    SQUARED_DIFFERENCE,
    LOGISTIC,
    GREATER,
    GREATER_EQUAL,
    LESS,
    LESS_EQUAL,
    EQUAL,
    NOT_EQUAL,
    LOGICAL_AND,
    LOGICAL_OR,
    LOGICAL_NOT,
    SELECT,
    SELECT_V2,
    FLOOR,
    CAST,
    TANH,
    RELU,
    RELU6,
    RELU_N1_TO_1,
    EXP,
    LOG,
    SQRT,
    RSQRT,
    ABS,
    NEG,
    SIN,
    COS,
    SQUARE,
    HARD_SWISH,
    ELU,
    LEAKY_RELU,
    GELU,
    SOFTMAX,
    CONCATENATION,
    RESHAPE,
    EXPAND_DIMS,
    SQUEEZE,
    TRANSPOSE,
    GATHER,
    MEAN,
    SUM,
    REDUCE_MAX,
    REDUCE_MIN,
    REDUCE_PROD,
    PAD,
    PADV2,
    STRIDED_SLICE,
    SLICE,
    FULLY_CONNECTED,
    BATCH_MATMUL,
    CONV_2D,
    DEPTHWISE_CONV_2D,
    MAX_POOL_2D,
    AVERAGE_POOL_2D,
    DEQUANTIZE;

    static Op byName(String name) {
      for (Op o : values()) {
        if (o.name().equals(name)) {
          return o;
        }
      }
      return null;
    }
  }

  private static final SortedSet<String> SUPPORTED = supported();

  private static SortedSet<String> supported() {
    SortedSet<String> s = new TreeSet<>();
    for (Op o : Op.values()) {
      s.add(o.name());
    }
    return Collections.unmodifiableSortedSet(s);
  }

  private TfliteImporter() {}

  /** The TFLite operators this importer translates, by their TFLite names. */
  public static SortedSet<String> supportedOperators() {
    return SUPPORTED;
  }

  /** Reads {@code in} (a {@code .tflite} file) and writes the ONNX model to {@code out}. */
  public static OnnxMl.ModelProto importFile(Path in, Path out) throws IOException {
    OnnxMl.ModelProto model = convert(TfliteModel.read(in));
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".part");
    try {
      try (OutputStream os = Files.newOutputStream(tmp)) {
        model.writeTo(os);
      }
      try {
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING); // as ModelStore.replace does
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return model;
  }

  /** Translates a TFLite model into an ONNX model. */
  public static OnnxMl.ModelProto convert(TfliteModel model) throws TfliteImportException {
    Conversion c = new Conversion(model);
    try {
      return c.run();
    } catch (IndexOutOfBoundsException
        | IllegalArgumentException
        | NegativeArraySizeException
        | ArithmeticException
        | java.nio.BufferUnderflowException e) {
      // Options tables are read lazily: damage there surfaces during the translation.
      throw new TfliteImportException(
          (c.op == null ? "" : "operator #" + c.op.index() + " " + c.op.opName() + ": ")
              + "malformed TFLite flatbuffer: "
              + e,
          e);
    }
  }

  /** The state of one translation. */
  private static final class Conversion {
    private final TfliteModel model;
    private final OnnxGraphWriter w = new OnnxGraphWriter();
    private final String[] names;
    private final boolean[] emitted;
    private final boolean[] relaidOut;
    private final Map<String, String> derived = new HashMap<>();
    private Operator op;

    Conversion(TfliteModel model) {
      this.model = model;
      int n = model.tensors().size();
      names = new String[n];
      emitted = new boolean[n];
      relaidOut = new boolean[n];
      for (Tensor t : model.tensors()) {
        names[t.index()] = w.unique(t.name());
      }
    }

    OnnxMl.ModelProto run() throws TfliteImportException {
      for (int i : model.inputs()) {
        Tensor t = model.tensor(i);
        w.graph().addInput(valueInfo(t));
        emitted[i] = true;
      }
      for (Operator o : model.operators()) {
        op = o;
        checkOperator();
        translate();
        for (int t : o.outputs()) {
          emitted[t] = true;
        }
      }
      op = null;
      for (int i : model.outputs()) {
        Tensor t = model.tensor(i);
        if (t.isConstant()) {
          String src = value(i);
          String out = w.unique(t.name() + "/output");
          w.node("Identity", out, List.of(src), out);
          w.graph().addOutput(valueInfo(t).toBuilder().setName(out));
        } else {
          w.graph().addOutput(valueInfo(t));
        }
      }
      w.graph().setName("tflite_import");
      OnnxMl.ModelProto.Builder m =
          OnnxMl.ModelProto.newBuilder()
              .setIrVersion(8)
              .setProducerName("stapes-tflite-import")
              .setProducerVersion("1")
              .addOpsetImport(
                  OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
              .setGraph(w.graph());
      m.addMetadataProps(
          OnnxMl.StringStringEntryProto.newBuilder()
              .setKey("stapes.source_format")
              .setValue("tflite"));
      if (model.description() != null) {
        m.addMetadataProps(
            OnnxMl.StringStringEntryProto.newBuilder()
                .setKey("stapes.tflite.description")
                .setValue(model.description()));
      }
      return m.build();
    }

    // ---------------------------------------------------------------- checks and errors

    private TfliteImportException error(String what) {
      return new TfliteImportException("operator #" + op.index() + " " + op.opName() + ": " + what);
    }

    private void checkOperator() throws TfliteImportException {
      int code = op.builtinCode();
      if (code == BuiltinOps.IF
          || code == BuiltinOps.WHILE
          || code == BuiltinOps.CALL
          || code == BuiltinOps.CALL_ONCE) {
        throw error("control flow (a call into another subgraph) is not supported");
      }
      if (code == BuiltinOps.CUSTOM) {
        throw error(
            "custom operator '" + op.customCode() + "' is not supported (it has no TFLite schema)");
      }
      if (!SUPPORTED.contains(BuiltinOps.name(code))) {
        throw error(
            "operator (builtin code "
                + code
                + ") is not supported; supported operators: "
                + SUPPORTED);
      }
      if (op.outputs().length == 0) {
        throw error("operator has no output");
      }
      for (int[] list : new int[][] {op.inputs(), op.outputs()}) {
        for (int t : list) {
          if (t < 0) {
            continue;
          }
          Tensor tensor = model.tensor(t);
          if (tensor.quantized()
              || tensor.type() == TensorType.INT8
              || tensor.type() == TensorType.UINT8
              || tensor.type() == TensorType.INT16
              || tensor.type() == TensorType.INT4) {
            throw error(
                "tensor #"
                    + t
                    + " '"
                    + tensor.name()
                    + "' is quantized (type "
                    + tensor.type()
                    + (tensor.quantized() ? ", scales attached" : "")
                    + "); only float32 models are supported");
          }
        }
      }
    }

    private Tensor in(int position) throws TfliteImportException {
      if (position >= op.inputs().length || op.inputs()[position] < 0) {
        throw error(
            "input "
                + position
                + " is missing ("
                + op.inputs().length
                + " inputs: "
                + Arrays.toString(op.inputs())
                + ")");
      }
      return model.tensor(op.inputs()[position]);
    }

    private boolean hasInput(int position) {
      return position < op.inputs().length && op.inputs()[position] >= 0;
    }

    private Tensor out() {
      return model.tensor(op.outputs()[0]);
    }

    private String outName() {
      return names[op.outputs()[0]];
    }

    private int rank(Tensor t) {
      return t.shapeSignature().length;
    }

    // ---------------------------------------------------------------- values and constants

    /** The ONNX name of a tensor used as data, emitting its initializer on first use. */
    private String value(int index) throws TfliteImportException {
      if (!emitted[index]) {
        Tensor t = model.tensor(index);
        if (!t.isConstant()) {
          throw new TfliteImportException(
              (op == null ? "graph output" : "operator #" + op.index() + " " + op.opName())
                  + ": tensor #"
                  + index
                  + " '"
                  + t.name()
                  + "' is read before any operator writes it");
        }
        if (relaidOut[index]) {
          // The name went to the re-laid-out copy (a transposed weight); the raw one is a sibling.
          String raw = w.unique(names[index] + "/raw");
          w.raw(raw, onnxType(t), t.data(), t.shape());
          derived.put("raw:" + index, raw);
        } else {
          w.raw(names[index], onnxType(t), t.data(), t.shape());
        }
        emitted[index] = true;
      }
      String raw = derived.get("raw:" + index);
      return raw != null ? raw : names[index];
    }

    private String value(Tensor t) throws TfliteImportException {
      return value(t.index());
    }

    private int onnxType(Tensor t) throws TfliteImportException {
      switch (t.type()) {
        case FLOAT32:
          return TensorProto.DataType.FLOAT_VALUE;
        case INT32:
          return TensorProto.DataType.INT32_VALUE;
        case INT64:
          return TensorProto.DataType.INT64_VALUE;
        case BOOL:
          return TensorProto.DataType.BOOL_VALUE;
        case FLOAT16:
          return TensorProto.DataType.FLOAT16_VALUE;
        case FLOAT64:
          return TensorProto.DataType.DOUBLE_VALUE;
        default:
          throw new TfliteImportException(
              (op == null ? "graph" : "operator #" + op.index() + " " + op.opName())
                  + ": tensor #"
                  + t.index()
                  + " '"
                  + t.name()
                  + "' has type "
                  + t.type()
                  + ", expected one of [FLOAT32, FLOAT16, FLOAT64, INT32, INT64, BOOL]");
      }
    }

    /** An integer constant input (shape, axes, permutation, paddings) as longs. */
    private long[] constInts(int position, String role) throws TfliteImportException {
      Tensor t = in(position);
      if (!t.isConstant()) {
        throw error(
            "input "
                + position
                + " ("
                + role
                + ", tensor '"
                + t.name()
                + "') must be a constant; shapes computed at run time are not supported");
      }
      ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int n = (int) t.elementCount();
      long[] v = new long[n];
      for (int i = 0; i < n; i++) {
        if (t.type() == TensorType.INT32) {
          v[i] = b.getInt(4 * i);
        } else if (t.type() == TensorType.INT64) {
          v[i] = b.getLong(8 * i);
        } else {
          throw error(
              "input " + position + " (" + role + ") has type " + t.type() + ", expected INT32");
        }
      }
      return v;
    }

    private float constScalar(int position, String role) throws TfliteImportException {
      Tensor t = in(position);
      if (!t.isConstant() || t.type() != TensorType.FLOAT32 || t.elementCount() != 1) {
        throw error("input " + position + " (" + role + ") must be a float32 scalar constant");
      }
      return t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }

    private float[] floats(Tensor t) throws TfliteImportException {
      if (!t.isConstant() || t.type() != TensorType.FLOAT32) {
        throw error("tensor '" + t.name() + "' must be a float32 constant (type " + t.type() + ")");
      }
      ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      float[] v = new float[(int) t.elementCount()];
      b.asFloatBuffer().get(v);
      return v;
    }

    /**
     * Adds a re-laid-out copy of constant {@code t} (a transposed weight) under the TFLite tensor's
     * own name when that name is still free, else under a derived one.
     */
    private String relaidOut(Tensor t, float[] values, long[] dims) {
      if (!emitted[t.index()] && !relaidOut[t.index()]) {
        relaidOut[t.index()] = true;
        return w.floatsNamed(names[t.index()], values, dims);
      }
      return w.floats(names[t.index()] + "/relaid", values, dims);
    }

    private String int64Const(String purpose, long... values) {
      return w.int64s(outName() + "/" + purpose, values, false);
    }

    private String floatScalar(String purpose, float value) {
      return w.floats(outName() + "/" + purpose, new float[] {value}, new long[0]);
    }

    // ---------------------------------------------------------------- emitting

    /** Emits the node that produces the operator's output, with its fused activation. */
    private void emit(String opType, List<String> inputs, int activation, AttributeProto... attrs)
        throws TfliteImportException {
      if (activation == ACT_NONE) {
        w.node(opType, outName(), inputs, outName(), attrs);
        return;
      }
      String pre = w.unique(outName() + "/" + opType);
      w.node(opType, pre, inputs, pre, attrs);
      activation(pre, activation);
    }

    private void emit(String opType, List<String> inputs, AttributeProto... attrs)
        throws TfliteImportException {
      emit(opType, inputs, ACT_NONE, attrs);
    }

    /** Applies a fused activation to {@code x}, writing the operator's output. */
    private void activation(String x, int activation) throws TfliteImportException {
      switch (activation) {
        case ACT_RELU:
          w.node("Relu", outName(), List.of(x), outName());
          break;
        case ACT_RELU_N1_TO_1:
          w.node(
              "Clip",
              outName(),
              List.of(x, floatScalar("clip_min", -1f), floatScalar("clip_max", 1f)),
              outName());
          break;
        case ACT_RELU6:
          w.node(
              "Clip",
              outName(),
              List.of(x, floatScalar("clip_min", 0f), floatScalar("clip_max", 6f)),
              outName());
          break;
        case ACT_TANH:
          w.node("Tanh", outName(), List.of(x), outName());
          break;
        default:
          throw error(
              "fused_activation_function="
                  + activation
                  + ", expected one of [0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6, 4 TANH]");
      }
    }

    /** A helper node named {@code <output>/<step>}; returns its output's name. */
    private String helper(
        String opType, String step, List<String> inputs, AttributeProto... attrs) {
      String name = w.unique(outName() + "/" + step);
      w.node(opType, name, inputs, name, attrs);
      return name;
    }

    private Options options() {
      return op.options();
    }

    private int optInt(int field, int def) {
      return op.options() == null ? def : op.options().int32(field, def);
    }

    private int optByte(int field, int def) {
      return op.options() == null ? def : op.options().int8(field, def);
    }

    private boolean optBool(int field, boolean def) {
      return op.options() == null ? def : op.options().bool(field, def);
    }

    private float optFloat(int field, float def) {
      return op.options() == null ? def : op.options().float32(field, def);
    }

    // ---------------------------------------------------------------- operators

    private void translate() throws TfliteImportException {
      int code = op.builtinCode();
      String name = BuiltinOps.name(code);
      Op o = Op.byName(name);
      if (o == null) {
        throw error("operator (builtin code " + code + ") is not supported");
      }
      // a switch expression over Op: the compiler refuses a supported operator without a case
      boolean translated =
          switch (o) {
            case ADD -> {
              binary("Add", optByte(0, ACT_NONE));
              yield true;
            }
            case SUB -> {
              binary("Sub", optByte(0, ACT_NONE));
              yield true;
            }
            case MUL -> {
              binary("Mul", optByte(0, ACT_NONE));
              yield true;
            }
            case DIV -> {
              binary("Div", optByte(0, ACT_NONE));
              yield true;
            }
            case MAXIMUM -> {
              binary("Max", ACT_NONE);
              yield true;
            }
            case MINIMUM -> {
              binary("Min", ACT_NONE);
              yield true;
            }
            case POW -> {
              binary("Pow", ACT_NONE);
              yield true;
            }
            case SQUARED_DIFFERENCE -> {
              String d = helper("Sub", "difference", List.of(value(in(0)), value(in(1))));
              emit("Mul", List.of(d, d));
              yield true;
            }
            case LOGISTIC -> {
              emit("Sigmoid", List.of(value(in(0))));
              yield true;
            }
            case GREATER -> {
              binary("Greater", ACT_NONE);
              yield true;
            }
            case GREATER_EQUAL -> {
              binary("GreaterOrEqual", ACT_NONE);
              yield true;
            }
            case LESS -> {
              binary("Less", ACT_NONE);
              yield true;
            }
            case LESS_EQUAL -> {
              binary("LessOrEqual", ACT_NONE);
              yield true;
            }
            case EQUAL -> {
              binary("Equal", ACT_NONE);
              yield true;
            }
            case NOT_EQUAL -> {
              emit("Not", List.of(helper("Equal", "equal", List.of(value(in(0)), value(in(1))))));
              yield true;
            }
            case LOGICAL_AND -> {
              binary("And", ACT_NONE);
              yield true;
            }
            case LOGICAL_OR -> {
              binary("Or", ACT_NONE);
              yield true;
            }
            case LOGICAL_NOT -> {
              emit("Not", List.of(value(in(0))));
              yield true;
            }
            case SELECT, SELECT_V2 -> {
              emit("Where", List.of(value(in(0)), value(in(1)), value(in(2))));
              yield true;
            }
            case FLOOR -> {
              emit("Floor", List.of(value(in(0))));
              yield true;
            }
            case CAST -> {
              emit("Cast", List.of(value(in(0))), attr("to", (long) onnxType(out())));
              yield true;
            }
            case TANH -> {
              emit("Tanh", List.of(value(in(0))));
              yield true;
            }
            case RELU -> {
              emit("Relu", List.of(value(in(0))));
              yield true;
            }
            case RELU6 -> {
              activation(value(in(0)), ACT_RELU6);
              yield true;
            }
            case RELU_N1_TO_1 -> {
              activation(value(in(0)), ACT_RELU_N1_TO_1);
              yield true;
            }
            case EXP -> {
              emit("Exp", List.of(value(in(0))));
              yield true;
            }
            case LOG -> {
              emit("Log", List.of(value(in(0))));
              yield true;
            }
            case SQRT -> {
              emit("Sqrt", List.of(value(in(0))));
              yield true;
            }
            case RSQRT -> {
              emit("Reciprocal", List.of(helper("Sqrt", "sqrt", List.of(value(in(0))))));
              yield true;
            }
            case ABS -> {
              emit("Abs", List.of(value(in(0))));
              yield true;
            }
            case NEG -> {
              emit("Neg", List.of(value(in(0))));
              yield true;
            }
            case SIN -> {
              emit("Sin", List.of(value(in(0))));
              yield true;
            }
            case COS -> {
              emit("Cos", List.of(value(in(0))));
              yield true;
            }
            case SQUARE -> {
              emit("Mul", List.of(value(in(0)), value(in(0))));
              yield true;
            }
            case HARD_SWISH -> {
              emit("HardSwish", List.of(value(in(0))));
              yield true;
            }
            case ELU -> {
              emit("Elu", List.of(value(in(0))), attr("alpha", 1f));
              yield true;
            }
            case LEAKY_RELU -> {
              emit("LeakyRelu", List.of(value(in(0))), attr("alpha", optFloat(0, 0f)));
              yield true;
            }
            case GELU -> {
              gelu();
              yield true;
            }
            case SOFTMAX -> {
              softmax();
              yield true;
            }
            case CONCATENATION -> {
              concatenation();
              yield true;
            }
            case RESHAPE -> {
              reshape();
              yield true;
            }
            case EXPAND_DIMS -> {
              long[] axis = constInts(1, "axis");
              emit("Unsqueeze", List.of(value(in(0)), int64Const("axes", axis)));
              yield true;
            }
            case SQUEEZE -> {
              squeeze();
              yield true;
            }
            case TRANSPOSE -> {
              emit("Transpose", List.of(value(in(0))), attr("perm", constInts(1, "perm")));
              yield true;
            }
            case GATHER -> {
              gather();
              yield true;
            }
            case MEAN -> {
              reduce("ReduceMean");
              yield true;
            }
            case SUM -> {
              reduce("ReduceSum");
              yield true;
            }
            case REDUCE_MAX -> {
              reduce("ReduceMax");
              yield true;
            }
            case REDUCE_MIN -> {
              reduce("ReduceMin");
              yield true;
            }
            case REDUCE_PROD -> {
              reduce("ReduceProd");
              yield true;
            }
            case PAD, PADV2 -> {
              pad();
              yield true;
            }
            case STRIDED_SLICE -> {
              stridedSlice();
              yield true;
            }
            case SLICE -> {
              slice();
              yield true;
            }
            case FULLY_CONNECTED -> {
              fullyConnected();
              yield true;
            }
            case BATCH_MATMUL -> {
              batchMatMul();
              yield true;
            }
            case CONV_2D -> {
              conv2d(false);
              yield true;
            }
            case DEPTHWISE_CONV_2D -> {
              conv2d(true);
              yield true;
            }
            case MAX_POOL_2D -> {
              pool("MaxPool");
              yield true;
            }
            case AVERAGE_POOL_2D -> {
              pool("AveragePool");
              yield true;
            }
            case DEQUANTIZE -> {
              dequantize();
              yield true;
            }
          };
      assert translated;
    }

    private void binary(String opType, int activation) throws TfliteImportException {
      emit(opType, List.of(value(in(0)), value(in(1))), activation);
    }

    private void gelu() throws TfliteImportException {
      boolean approximate = optBool(0, false);
      String x = value(in(0));
      String inner;
      if (approximate) {
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        String x3 = helper("Mul", "x3", List.of(helper("Mul", "x2", List.of(x, x)), x));
        String t =
            helper(
                "Add",
                "cubic",
                List.of(x, helper("Mul", "cubic_term", List.of(x3, floatScalar("c", 0.044715f)))));
        String s =
            helper("Mul", "scaled", List.of(t, floatScalar("k", (float) Math.sqrt(2 / Math.PI))));
        inner = helper("Tanh", "tanh", List.of(s));
      } else {
        // 0.5 x (1 + erf(x / sqrt(2)))
        String s =
            helper("Mul", "scaled", List.of(x, floatScalar("k", (float) (1 / Math.sqrt(2)))));
        inner = helper("Erf", "erf", List.of(s));
      }
      String one = helper("Add", "one_plus", List.of(inner, floatScalar("one", 1f)));
      String half = helper("Mul", "half_x", List.of(x, floatScalar("half", 0.5f)));
      emit("Mul", List.of(half, one));
    }

    private void softmax() throws TfliteImportException {
      float beta = options() == null ? 1f : optFloat(0, 0f);
      String x = value(in(0));
      if (beta != 1f) {
        x = helper("Mul", "beta", List.of(x, floatScalar("beta_value", beta)));
      }
      emit("Softmax", List.of(x), attr("axis", -1L));
    }

    private void concatenation() throws TfliteImportException {
      List<String> inputs = new ArrayList<>();
      for (int t : op.inputs()) {
        inputs.add(value(t));
      }
      emit("Concat", inputs, optByte(1, ACT_NONE), attr("axis", (long) optInt(0, 0)));
    }

    private void reshape() throws TfliteImportException {
      long[] shape;
      if (hasInput(1) && in(1).isConstant()) {
        shape = constInts(1, "shape");
      } else if (options() != null && options().int32s(0).length > 0) {
        shape = Arrays.stream(options().int32s(0)).asLongStream().toArray();
      } else {
        int[] sig = out().shapeSignature();
        int unknown = 0;
        for (int d : sig) {
          unknown += d < 0 ? 1 : 0;
        }
        if (unknown > 1) {
          throw error(
              "the new shape is computed at run time and the output shape "
                  + Arrays.toString(sig)
                  + " has more than one unknown dimension");
        }
        shape = Arrays.stream(sig).asLongStream().toArray();
      }
      emit("Reshape", List.of(value(in(0)), int64Const("shape", shape)));
    }

    private void squeeze() throws TfliteImportException {
      int[] dims = options() == null ? new int[0] : options().int32s(0);
      long[] axes;
      if (dims.length > 0) {
        axes = Arrays.stream(dims).asLongStream().toArray();
      } else {
        int[] sig = in(0).shapeSignature();
        axes =
            java.util.stream.IntStream.range(0, sig.length)
                .filter(i -> sig[i] == 1)
                .asLongStream()
                .toArray();
      }
      emit("Squeeze", List.of(value(in(0)), int64Const("axes", axes)));
    }

    private void gather() throws TfliteImportException {
      int axis = optInt(0, 0);
      int batchDims = optInt(1, 0);
      if (batchDims != 0) {
        throw error("batch_dims=" + batchDims + ", expected 0");
      }
      String indices;
      if (in(1).isConstant()) {
        indices =
            w.int64s(
                names[in(1).index()] + "/int64",
                constInts(1, "indices"),
                in(1).shape().length == 0);
        if (in(1).shape().length > 1) {
          indices =
              helper(
                  "Reshape",
                  "indices",
                  List.of(
                      indices,
                      int64Const(
                          "indices_shape", Arrays.stream(in(1).shape()).asLongStream().toArray())));
        }
      } else {
        indices = value(in(1));
      }
      emit("Gather", List.of(value(in(0)), indices), attr("axis", (long) axis));
    }

    private void reduce(String opType) throws TfliteImportException {
      long[] axes = constInts(1, "axes");
      boolean keepDims = optBool(0, false);
      if (axes.length == 0) {
        emit("Identity", List.of(value(in(0))));
        return;
      }
      // Duplicate axes are allowed in TFLite; ONNX wants them unique.
      int r = rank(in(0));
      long[] unique = Arrays.stream(axes).map(a -> a < 0 ? a + r : a).distinct().sorted().toArray();
      if (opType.equals("ReduceSum")) {
        emit(
            opType,
            List.of(value(in(0)), int64Const("axes", unique)),
            attr("keepdims", keepDims ? 1L : 0L));
      } else {
        emit(
            opType,
            List.of(value(in(0))),
            attr("axes", unique),
            attr("keepdims", keepDims ? 1L : 0L));
      }
    }

    private void pad() throws TfliteImportException {
      long[] paddings = constInts(1, "paddings");
      int r = paddings.length / 2;
      long[] pads = new long[2 * r];
      for (int i = 0; i < r; i++) {
        pads[i] = paddings[2 * i];
        pads[r + i] = paddings[2 * i + 1];
      }
      List<String> inputs = new ArrayList<>(List.of(value(in(0)), int64Const("pads", pads)));
      if (hasInput(2)) {
        inputs.add(
            w.floats(
                outName() + "/constant_value",
                new float[] {constScalar(2, "constant_values")},
                new long[0]));
      }
      emit("Pad", inputs, attr("mode", "constant"));
    }

    private void slice() throws TfliteImportException {
      long[] begin = constInts(1, "begin");
      long[] size = constInts(2, "size");
      long[] end = new long[begin.length];
      long[] axes = new long[begin.length];
      for (int i = 0; i < begin.length; i++) {
        end[i] = size[i] == -1 ? INT64_MAX : begin[i] + size[i];
        axes[i] = i;
      }
      emit(
          "Slice",
          List.of(
              value(in(0)),
              int64Const("starts", begin),
              int64Const("ends", end),
              int64Const("axes", axes)));
    }

    private void stridedSlice() throws TfliteImportException {
      long[] begin = constInts(1, "begin");
      long[] end = constInts(2, "end");
      long[] strides = hasInput(3) ? constInts(3, "strides") : null;
      int beginMask = optInt(0, 0);
      int endMask = optInt(1, 0);
      int ellipsisMask = optInt(2, 0);
      int newAxisMask = optInt(3, 0);
      int shrinkMask = optInt(4, 0);
      boolean offset = optBool(5, false);
      int n = begin.length;
      if (end.length != n || (strides != null && strides.length != n)) {
        throw error(
            "begin, end and strides have lengths "
                + n
                + ", "
                + end.length
                + ", "
                + (strides == null ? "-" : strides.length)
                + "; expected equal lengths");
      }
      int inputRank = rank(in(0));
      int consumed = 0;
      for (int i = 0; i < n; i++) {
        if ((ellipsisMask >> i & 1) == 0 && (newAxisMask >> i & 1) == 0) {
          consumed++;
        }
      }
      List<Long> starts = new ArrayList<>();
      List<Long> ends = new ArrayList<>();
      List<Long> axes = new ArrayList<>();
      List<Long> steps = new ArrayList<>();
      List<Long> squeeze = new ArrayList<>();
      List<Long> unsqueeze = new ArrayList<>();
      int inDim = 0;
      int outDim = 0;
      boolean sawEllipsis = false;
      for (int i = 0; i < n; i++) {
        if ((ellipsisMask >> i & 1) != 0) {
          if (sawEllipsis) {
            throw error("ellipsis_mask=" + ellipsisMask + " has more than one bit set");
          }
          sawEllipsis = true;
          int full = inputRank - consumed;
          inDim += full;
          outDim += full;
          continue;
        }
        if ((newAxisMask >> i & 1) != 0) {
          unsqueeze.add((long) outDim);
          outDim++;
          continue;
        }
        if (inDim >= inputRank) {
          throw error("slice spec of length " + n + " exceeds the input's rank " + inputRank);
        }
        long stride = strides == null ? 1 : strides[i];
        if (stride == 0) {
          throw error("strides[" + i + "]=0, expected a non-zero stride");
        }
        long b = begin[i];
        long e = offset ? begin[i] + end[i] : end[i];
        if ((shrinkMask >> i & 1) != 0) {
          starts.add(b);
          ends.add(b == -1 ? INT64_MAX : b + 1);
          steps.add(1L);
          axes.add((long) inDim);
          squeeze.add((long) inDim);
          inDim++;
          continue;
        }
        if ((beginMask >> i & 1) != 0) {
          b = stride > 0 ? 0 : INT64_MAX;
        }
        if ((endMask >> i & 1) != 0) {
          e = stride > 0 ? INT64_MAX : INT64_MIN;
        }
        starts.add(b);
        ends.add(e);
        steps.add(stride);
        axes.add((long) inDim);
        inDim++;
        outDim++;
      }
      String x = value(in(0));
      boolean more = !squeeze.isEmpty() || !unsqueeze.isEmpty();
      List<String> sliceInputs =
          List.of(
              x,
              int64Const("starts", toArray(starts)),
              int64Const("ends", toArray(ends)),
              int64Const("axes", toArray(axes)),
              int64Const("steps", toArray(steps)));
      if (!more) {
        emit("Slice", sliceInputs);
        return;
      }
      String y = helper("Slice", "slice", sliceInputs);
      if (!squeeze.isEmpty() && unsqueeze.isEmpty()) {
        emit("Squeeze", List.of(y, int64Const("squeeze_axes", toArray(squeeze))));
        return;
      }
      if (!squeeze.isEmpty()) {
        y = helper("Squeeze", "squeeze", List.of(y, int64Const("squeeze_axes", toArray(squeeze))));
      }
      emit("Unsqueeze", List.of(y, int64Const("unsqueeze_axes", toArray(unsqueeze))));
    }

    private void fullyConnected() throws TfliteImportException {
      int activation = optByte(0, ACT_NONE);
      int weightsFormat = optByte(1, 0);
      boolean keepNumDims = optBool(2, false);
      if (weightsFormat != 0) {
        throw error("weights_format=" + weightsFormat + ", expected 0 (DEFAULT)");
      }
      Tensor x = in(0);
      Tensor weights = in(1);
      if (weights.shape().length != 2) {
        throw error(
            "weights '"
                + weights.name()
                + "' have shape "
                + Arrays.toString(weights.shape())
                + ", expected [out, in]");
      }
      int outFeatures = weights.shape()[0];
      int inFeatures = weights.shape()[1];
      String input = value(x);
      if (!keepNumDims && rank(x) != 2) {
        input =
            helper(
                "Reshape", "flatten", List.of(input, int64Const("flatten_shape", -1, inFeatures)));
      }
      String weightsT;
      if (weights.isConstant()) {
        weightsT = derived.get("fc:" + weights.index());
        if (weightsT == null) {
          float[] v = floats(weights);
          float[] t = new float[v.length];
          for (int o = 0; o < outFeatures; o++) {
            for (int i = 0; i < inFeatures; i++) {
              t[i * outFeatures + o] = v[o * inFeatures + i];
            }
          }
          weightsT = relaidOut(weights, t, new long[] {inFeatures, outFeatures});
          derived.put("fc:" + weights.index(), weightsT);
        }
      } else {
        weightsT =
            helper(
                "Transpose", "weights_t", List.of(value(weights)), attr("perm", new long[] {1, 0}));
      }
      if (!hasInput(2)) {
        emit("MatMul", List.of(input, weightsT), activation);
        return;
      }
      String product = helper("MatMul", "MatMul", List.of(input, weightsT));
      emit("Add", List.of(product, value(in(2))), activation);
    }

    private void batchMatMul() throws TfliteImportException {
      boolean adjX = optBool(0, false);
      boolean adjY = optBool(1, false);
      String a = value(in(0));
      String b = value(in(1));
      if (adjX) {
        a = helper("Transpose", "adj_x", List.of(a), attr("perm", swapLast(rank(in(0)))));
      }
      if (adjY) {
        b = helper("Transpose", "adj_y", List.of(b), attr("perm", swapLast(rank(in(1)))));
      }
      emit("MatMul", List.of(a, b));
    }

    private long[] swapLast(int rank) throws TfliteImportException {
      if (rank < 2) {
        throw error("adjoint of a tensor of rank " + rank + ", expected rank >= 2");
      }
      long[] perm = new long[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = i;
      }
      perm[rank - 2] = rank - 1;
      perm[rank - 1] = rank - 2;
      return perm;
    }

    /**
     * The padding of a convolution or pooling window over NHWC input {@code x}. TFLite's SAME puts
     * the odd padding element at the end; with static spatial sizes the pads are written out (ONNX
     * Runtime refuses SAME_UPPER with dilation), otherwise {@code auto_pad=SAME_UPPER}.
     */
    private AttributeProto padding(
        int padding, Tensor x, int kh, int kw, int sh, int sw, int dh, int dw)
        throws TfliteImportException {
      if (padding == PADDING_VALID) {
        return attr("auto_pad", "VALID");
      }
      if (padding != PADDING_SAME) {
        throw error("padding=" + padding + ", expected 0 (SAME) or 1 (VALID)");
      }
      int[] sig = x.shapeSignature();
      int h = sig.length == 4 ? sig[1] : -1;
      int wd = sig.length == 4 ? sig[2] : -1;
      if (h > 0 && wd > 0) {
        int[] top = samePads(h, kh, sh, dh);
        int[] left = samePads(wd, kw, sw, dw);
        return attr("pads", new long[] {top[0], left[0], top[1], left[1]});
      }
      if (dh != 1 || dw != 1) {
        throw error(
            "SAME padding with dilation ("
                + dh
                + ", "
                + dw
                + ") needs static spatial sizes, input shape "
                + Arrays.toString(sig));
      }
      return attr("auto_pad", "SAME_UPPER");
    }

    private static int[] samePads(int in, int k, int stride, int dilation) {
      int out = (in + stride - 1) / stride;
      int total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0);
      return new int[] {total / 2, total - total / 2};
    }

    private String toNchw(Tensor x) throws TfliteImportException {
      if (rank(x) != 4) {
        throw error("input '" + x.name() + "' has rank " + rank(x) + ", expected 4 (NHWC)");
      }
      return helper(
          "Transpose", "to_nchw", List.of(value(x)), attr("perm", new long[] {0, 3, 1, 2}));
    }

    private void fromNchw(String y, int activation) throws TfliteImportException {
      emit("Transpose", List.of(y), activation, attr("perm", new long[] {0, 2, 3, 1}));
    }

    private void conv2d(boolean depthwise) throws TfliteImportException {
      int padding = optByte(0, PADDING_SAME);
      int strideW = optInt(1, 1);
      int strideH = optInt(2, 1);
      int depthMultiplier = depthwise ? optInt(3, 1) : 1;
      int activation = optByte(depthwise ? 4 : 3, ACT_NONE);
      int dilationW = optInt(depthwise ? 5 : 4, 1);
      int dilationH = optInt(depthwise ? 6 : 5, 1);
      Tensor x = in(0);
      Tensor filter = in(1);
      int[] f = filter.shape();
      if (f.length != 4) {
        throw error(
            "filter '" + filter.name() + "' has shape " + Arrays.toString(f) + ", expected rank 4");
      }
      int inChannels = x.shape().length == 4 ? x.shape()[3] : -1;
      int kh = f[1];
      int kw = f[2];
      int group;
      String weights = derived.get("conv:" + filter.index());
      if (depthwise) {
        // [1, KH, KW, C*M] -> [C*M, 1, KH, KW], one group per input channel.
        int outChannels = f[3];
        if (inChannels <= 0) {
          throw error("depthwise convolution needs a known input channel count");
        }
        if (outChannels != inChannels * depthMultiplier && depthMultiplier != 0) {
          throw error(
              "filter channels "
                  + outChannels
                  + " != input channels "
                  + inChannels
                  + " x depth_multiplier "
                  + depthMultiplier);
        }
        group = inChannels;
        if (weights == null) {
          float[] v = floats(filter);
          float[] t = new float[v.length];
          for (int h = 0; h < kh; h++) {
            for (int ww = 0; ww < kw; ww++) {
              for (int c = 0; c < outChannels; c++) {
                t[(c * kh + h) * kw + ww] = v[(h * kw + ww) * outChannels + c];
              }
            }
          }
          weights = relaidOut(filter, t, new long[] {outChannels, 1, kh, kw});
        }
      } else {
        // [O, KH, KW, I] -> [O, I, KH, KW]
        int o = f[0];
        int ci = f[3];
        group = inChannels > 0 && ci > 0 ? inChannels / ci : 1;
        if (inChannels > 0 && inChannels % ci != 0) {
          throw error(
              "input channels " + inChannels + " are not a multiple of filter channels " + ci);
        }
        if (weights == null) {
          if (filter.isConstant()) {
            float[] v = floats(filter);
            float[] t = new float[v.length];
            for (int oo = 0; oo < o; oo++) {
              for (int h = 0; h < kh; h++) {
                for (int ww = 0; ww < kw; ww++) {
                  for (int c = 0; c < ci; c++) {
                    t[((oo * ci + c) * kh + h) * kw + ww] = v[((oo * kh + h) * kw + ww) * ci + c];
                  }
                }
              }
            }
            weights = relaidOut(filter, t, new long[] {o, ci, kh, kw});
          } else {
            weights =
                helper(
                    "Transpose",
                    "filter_oihw",
                    List.of(value(filter)),
                    attr("perm", new long[] {0, 3, 1, 2}));
          }
        }
      }
      if (filter.isConstant()) {
        derived.put("conv:" + filter.index(), weights);
      }
      List<String> inputs = new ArrayList<>(List.of(toNchw(x), weights));
      if (hasInput(2)) {
        inputs.add(value(in(2)));
      }
      String y =
          helper(
              "Conv",
              "Conv",
              inputs,
              attr("kernel_shape", new long[] {kh, kw}),
              attr("strides", new long[] {strideH, strideW}),
              attr("dilations", new long[] {dilationH, dilationW}),
              attr("group", (long) group),
              padding(padding, x, kh, kw, strideH, strideW, dilationH, dilationW));
      fromNchw(y, activation);
    }

    private void pool(String opType) throws TfliteImportException {
      int padding = optByte(0, PADDING_SAME);
      int strideW = optInt(1, 1);
      int strideH = optInt(2, 1);
      int filterW = optInt(3, 1);
      int filterH = optInt(4, 1);
      int activation = optByte(5, ACT_NONE);
      List<AttributeProto> attrs = new ArrayList<>();
      attrs.add(attr("kernel_shape", new long[] {filterH, filterW}));
      attrs.add(attr("strides", new long[] {strideH, strideW}));
      attrs.add(padding(padding, in(0), filterH, filterW, strideH, strideW, 1, 1));
      if (opType.equals("AveragePool")) {
        // TFLite divides by the number of elements inside the input, not the padded window.
        attrs.add(attr("count_include_pad", 0L));
      }
      String y =
          helper(opType, opType, List.of(toNchw(in(0))), attrs.toArray(new AttributeProto[0]));
      fromNchw(y, activation);
    }

    private void dequantize() throws TfliteImportException {
      Tensor x = in(0);
      if (x.type() != TensorType.FLOAT16 || !x.isConstant()) {
        throw error(
            "DEQUANTIZE of tensor '"
                + x.name()
                + "' (type "
                + x.type()
                + "): only float16 constants are supported");
      }
      ByteBuffer b = x.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      float[] v = new float[(int) x.elementCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = halfToFloat(b.getShort(2 * i));
      }
      long[] dims = Arrays.stream(x.shape()).asLongStream().toArray();
      String c = w.floats(outName() + "/float32", v, dims);
      emit("Identity", List.of(c));
    }

    /** IEEE 754 binary16 to binary32 (Java 17 has no Float.float16ToFloat). */
    private static float halfToFloat(short half) {
      int h = half & 0xffff;
      int sign = (h & 0x8000) << 16;
      int exponent = (h >>> 10) & 0x1f;
      int mantissa = h & 0x3ff;
      if (exponent == 0x1f) {
        return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
      }
      if (exponent == 0) {
        float magnitude = mantissa * 0x1p-24f;
        return sign == 0 ? magnitude : -magnitude;
      }
      return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static long[] toArray(List<Long> values) {
      long[] a = new long[values.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = values.get(i);
      }
      return a;
    }

    private OnnxMl.ValueInfoProto valueInfo(Tensor t) throws TfliteImportException {
      OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
      int[] sig = t.shapeSignature();
      for (int i = 0; i < sig.length; i++) {
        OnnxMl.TensorShapeProto.Dimension.Builder d =
            OnnxMl.TensorShapeProto.Dimension.newBuilder();
        if (sig[i] < 0) {
          d.setDimParam(i == 0 ? "batch" : "t" + t.index() + "_dim" + i);
        } else {
          d.setDimValue(sig[i]);
        }
        shape.addDim(d);
      }
      return OnnxMl.ValueInfoProto.newBuilder()
          .setName(names[t.index()])
          .setType(
              OnnxMl.TypeProto.newBuilder()
                  .setTensorType(
                      OnnxMl.TypeProto.Tensor.newBuilder()
                          .setElemType(onnxType(t))
                          .setShape(shape)))
          .build();
    }
  }
}
