package dev.stapes.tflite;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The main subgraph of a TFLite flatbuffer ({@code .tflite}, file identifier {@code TFL3}), read
 * into plain immutable values. Field numbers follow TensorFlow Lite's public {@code schema.fbs}.
 *
 * <p>Only what an importer needs is read: tensors (name, shape, type, constant data, whether
 * quantized), operators (code, inputs, outputs, options) and the graph's inputs and outputs.
 * Constant data is a read-only view of the file's bytes, not a copy.
 */
public final class TfliteModel {

  /** TFLite tensor element types, in the order of the schema's {@code TensorType} enum. */
  public enum TensorType {
    FLOAT32,
    FLOAT16,
    INT32,
    UINT8,
    INT64,
    STRING,
    BOOL,
    INT16,
    COMPLEX64,
    INT8,
    FLOAT64,
    COMPLEX128,
    UINT64,
    RESOURCE,
    VARIANT,
    UINT32,
    UINT16,
    INT4;

    static TensorType of(int code) throws TfliteImportException {
      TensorType[] all = values();
      if (code < 0 || code >= all.length) {
        throw new TfliteImportException(
            "tensor type code=" + code + ", expected 0.." + (all.length - 1));
      }
      return all[code];
    }
  }

  /**
   * One tensor of the subgraph.
   *
   * @param index position in the subgraph's tensor list
   * @param name the tensor's name in the file
   * @param shape static shape (batch included)
   * @param shapeSignature shape with -1 for dimensions unknown at conversion, or {@code shape}
   * @param type element type
   * @param data constant contents (little-endian), or null when the tensor is computed or fed
   * @param quantized whether quantization parameters (scales) are attached
   */
  public record Tensor(
      int index,
      String name,
      int[] shape,
      int[] shapeSignature,
      TensorType type,
      ByteBuffer data,
      boolean quantized) {

    /** Whether the tensor holds constant data. */
    public boolean isConstant() {
      return data != null;
    }

    /** Number of elements of the static shape. */
    public long elementCount() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }

    @Override
    public String toString() {
      return "Tensor[#"
          + index
          + " '"
          + name
          + "' "
          + type
          + " "
          + Arrays.toString(shape)
          + (Arrays.equals(shape, shapeSignature) ? "" : " sig" + Arrays.toString(shapeSignature))
          + (data != null ? " const" : "")
          + (quantized ? " quantized" : "")
          + "]";
    }
  }

  /**
   * One operator of the subgraph.
   *
   * @param index position in the subgraph's operator list (execution order)
   * @param builtinCode TFLite builtin operator code ({@code BuiltinOperator} enum)
   * @param customCode the custom operator's name for {@code CUSTOM}, else null
   * @param version the operator version recorded in the file
   * @param inputs tensor indices, -1 for an omitted optional input
   * @param outputs tensor indices
   * @param options the builtin options table, or null when absent
   */
  public record Operator(
      int index,
      int builtinCode,
      String customCode,
      int version,
      int[] inputs,
      int[] outputs,
      Options options) {

    /** The operator's name as TFLite spells it ({@code CONV_2D}), or {@code CUSTOM:<name>}. */
    public String opName() {
      String name = BuiltinOps.name(builtinCode);
      return customCode != null ? name + ":" + customCode : name;
    }

    @Override
    public String toString() {
      return "Operator[#"
          + index
          + " "
          + opName()
          + " in="
          + Arrays.toString(inputs)
          + " out="
          + Arrays.toString(outputs)
          + "]";
    }
  }

  /** A builtin options table, read by field number with the schema's defaults. */
  public static final class Options {
    private final FlatTable table;

    Options(FlatTable table) {
      this.table = table;
    }

    int int32(int field, int defaultValue) {
      return table.int32(field, defaultValue);
    }

    int int8(int field, int defaultValue) {
      return table.int8(field, defaultValue);
    }

    boolean bool(int field, boolean defaultValue) {
      return table.bool(field, defaultValue);
    }

    float float32(int field, float defaultValue) {
      return table.float32(field, defaultValue);
    }

    int[] int32s(int field) {
      return table.int32s(field);
    }
  }

  // Field numbers from schema.fbs (declaration order, counted from 0).
  private static final int MODEL_VERSION = 0;
  private static final int MODEL_OPERATOR_CODES = 1;
  private static final int MODEL_SUBGRAPHS = 2;
  private static final int MODEL_DESCRIPTION = 3;
  private static final int MODEL_BUFFERS = 4;
  private static final int OPCODE_DEPRECATED_BUILTIN = 0;
  private static final int OPCODE_CUSTOM = 1;
  private static final int OPCODE_VERSION = 2;
  private static final int OPCODE_BUILTIN = 3;
  private static final int SUBGRAPH_TENSORS = 0;
  private static final int SUBGRAPH_INPUTS = 1;
  private static final int SUBGRAPH_OUTPUTS = 2;
  private static final int SUBGRAPH_OPERATORS = 3;
  private static final int TENSOR_SHAPE = 0;
  private static final int TENSOR_TYPE = 1;
  private static final int TENSOR_BUFFER = 2;
  private static final int TENSOR_NAME = 3;
  private static final int TENSOR_QUANTIZATION = 4;
  private static final int TENSOR_SPARSITY = 6;
  private static final int TENSOR_SHAPE_SIGNATURE = 7;
  private static final int QUANT_SCALE = 2;
  private static final int BUFFER_DATA = 0;
  private static final int BUFFER_OFFSET = 1;
  private static final int BUFFER_SIZE = 2;
  private static final int OPERATOR_OPCODE_INDEX = 0;
  private static final int OPERATOR_INPUTS = 1;
  private static final int OPERATOR_OUTPUTS = 2;
  private static final int OPERATOR_BUILTIN_OPTIONS = 4; // 3 is the union's type

  private final long version;
  private final String description;
  private final int subgraphCount;
  private final List<Tensor> tensors;
  private final List<Operator> operators;
  private final int[] inputs;
  private final int[] outputs;

  private TfliteModel(
      long version,
      String description,
      int subgraphCount,
      List<Tensor> tensors,
      List<Operator> operators,
      int[] inputs,
      int[] outputs) {
    this.version = version;
    this.description = description;
    this.subgraphCount = subgraphCount;
    this.tensors = List.copyOf(tensors);
    this.operators = List.copyOf(operators);
    this.inputs = inputs.clone();
    this.outputs = outputs.clone();
  }

  /** Reads a {@code .tflite} file. */
  public static TfliteModel read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return read(ByteBuffer.wrap(bytes));
    } catch (TfliteImportException e) {
      throw new TfliteImportException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a TFLite flatbuffer held in memory; the model keeps views of {@code buffer}. */
  public static TfliteModel read(ByteBuffer buffer) throws TfliteImportException {
    ByteBuffer bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (bb.remaining() < 8 || !FlatTable.hasIdentifier(bb, "TFL3")) {
      throw new TfliteImportException(
          "not a TFLite flatbuffer: file identifier 'TFL3' missing at bytes 4..7 (size="
              + bb.remaining()
              + " bytes)");
    }
    try {
      return parse(bb);
    } catch (IndexOutOfBoundsException
        | IllegalArgumentException
        | NegativeArraySizeException
        | ArithmeticException
        | java.nio.BufferUnderflowException e) {
      throw new TfliteImportException("malformed TFLite flatbuffer: " + e, e);
    }
  }

  private static TfliteModel parse(ByteBuffer bb) throws TfliteImportException {
    FlatTable model = FlatTable.root(bb);
    long version = model.uint32(MODEL_VERSION, 0);
    int subgraphCount = model.length(MODEL_SUBGRAPHS);
    if (subgraphCount == 0) {
      throw new TfliteImportException("TFLite model has no subgraph");
    }
    int nCodes = model.length(MODEL_OPERATOR_CODES);
    int[] codes = new int[nCodes];
    String[] customs = new String[nCodes];
    int[] versions = new int[nCodes];
    for (int i = 0; i < nCodes; i++) {
      FlatTable c = model.tableAt(MODEL_OPERATOR_CODES, i);
      int deprecated = c.int8(OPCODE_DEPRECATED_BUILTIN, 0);
      int builtin = c.int32(OPCODE_BUILTIN, 0);
      // Files written before the int32 field existed only set the byte; newer ones set both,
      // with the byte capped at 127 (PLACEHOLDER_FOR_GREATER_OP_CODES).
      codes[i] = Math.max(deprecated, builtin);
      customs[i] = codes[i] == BuiltinOps.CUSTOM ? c.string(OPCODE_CUSTOM) : null;
      versions[i] = c.int32(OPCODE_VERSION, 1);
    }
    int nBuffers = model.length(MODEL_BUFFERS);
    FlatTable graph = model.tableAt(MODEL_SUBGRAPHS, 0);
    int nTensors = graph.length(SUBGRAPH_TENSORS);
    List<Tensor> tensors = new ArrayList<>(nTensors);
    for (int t = 0; t < nTensors; t++) {
      FlatTable tt = graph.tableAt(SUBGRAPH_TENSORS, t);
      int[] shape = tt.int32s(TENSOR_SHAPE);
      int[] signature = tt.has(TENSOR_SHAPE_SIGNATURE) ? tt.int32s(TENSOR_SHAPE_SIGNATURE) : shape;
      TensorType type = TensorType.of(tt.int8(TENSOR_TYPE, 0));
      String name = tt.string(TENSOR_NAME);
      if (name == null || name.isEmpty()) {
        name = "tensor_" + t;
      }
      FlatTable q = tt.table(TENSOR_QUANTIZATION);
      boolean quantized = q != null && q.length(QUANT_SCALE) > 0;
      if (tt.has(TENSOR_SPARSITY)) {
        throw new TfliteImportException(
            "tensor #" + t + " '" + name + "' is sparse; only dense tensors are supported");
      }
      long bufferIndex = tt.uint32(TENSOR_BUFFER, 0);
      ByteBuffer data = null;
      if (bufferIndex > 0 && bufferIndex < nBuffers) {
        FlatTable buf = model.tableAt(MODEL_BUFFERS, (int) bufferIndex);
        if (buf.length(BUFFER_DATA) > 0) {
          data = buf.bytes(BUFFER_DATA).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        } else {
          long offset = buf.int64(BUFFER_OFFSET, 0);
          long size = buf.int64(BUFFER_SIZE, 0);
          if (offset > 1 && size > 0) {
            if (offset + size > bb.limit()) {
              throw new TfliteImportException(
                  "tensor #"
                      + t
                      + " '"
                      + name
                      + "': buffer offset="
                      + offset
                      + " size="
                      + size
                      + " lies outside the file (size="
                      + bb.limit()
                      + " bytes)");
            }
            ByteBuffer view = bb.duplicate();
            view.position((int) offset).limit((int) (offset + size));
            data = view.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
          }
        }
      } else if (bufferIndex >= nBuffers && nBuffers > 0) {
        throw new TfliteImportException(
            "tensor #"
                + t
                + " '"
                + name
                + "': buffer="
                + bufferIndex
                + ", expected 0.."
                + (nBuffers - 1));
      }
      if (data != null) {
        checkDataSize(t, name, shape, type, data.remaining());
      }
      tensors.add(new Tensor(t, name, shape, signature, type, data, quantized));
    }
    int nOps = graph.length(SUBGRAPH_OPERATORS);
    List<Operator> operators = new ArrayList<>(nOps);
    for (int i = 0; i < nOps; i++) {
      FlatTable op = graph.tableAt(SUBGRAPH_OPERATORS, i);
      long opcodeIndex = op.uint32(OPERATOR_OPCODE_INDEX, 0);
      if (opcodeIndex >= nCodes) {
        throw new TfliteImportException(
            "operator #" + i + ": opcode_index=" + opcodeIndex + ", expected 0.." + (nCodes - 1));
      }
      int c = (int) opcodeIndex;
      int[] in = op.int32s(OPERATOR_INPUTS);
      int[] out = op.int32s(OPERATOR_OUTPUTS);
      checkIndices(i, in, nTensors, true);
      checkIndices(i, out, nTensors, false);
      FlatTable options = op.table(OPERATOR_BUILTIN_OPTIONS);
      operators.add(
          new Operator(
              i,
              codes[c],
              customs[c],
              versions[c],
              in,
              out,
              options == null ? null : new Options(options)));
    }
    int[] inputs = graph.int32s(SUBGRAPH_INPUTS);
    int[] outputs = graph.int32s(SUBGRAPH_OUTPUTS);
    checkIndices(-1, inputs, nTensors, false);
    checkIndices(-1, outputs, nTensors, false);
    return new TfliteModel(
        version,
        model.string(MODEL_DESCRIPTION),
        subgraphCount,
        tensors,
        operators,
        inputs,
        outputs);
  }

  private static void checkDataSize(int t, String name, int[] shape, TensorType type, int bytes)
      throws TfliteImportException {
    int size;
    switch (type) {
      case FLOAT32:
      case INT32:
      case UINT32:
        size = 4;
        break;
      case FLOAT16:
      case INT16:
      case UINT16:
        size = 2;
        break;
      case INT64:
      case UINT64:
      case FLOAT64:
      case COMPLEX64:
        size = 8;
        break;
      case UINT8:
      case INT8:
      case BOOL:
        size = 1;
        break;
      default:
        return; // strings, resources, 4-bit: not checked here
    }
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new TfliteImportException(
            "tensor #" + t + " '" + name + "' is constant with shape " + Arrays.toString(shape));
      }
      count *= d;
      if (count > Integer.MAX_VALUE) {
        break;
      }
    }
    if (count * size != bytes) {
      throw new TfliteImportException(
          "tensor #"
              + t
              + " '"
              + name
              + "': constant data has "
              + bytes
              + " bytes, expected "
              + count * size
              + " for "
              + type
              + " "
              + Arrays.toString(shape));
    }
  }

  private static void checkIndices(int op, int[] indices, int nTensors, boolean optional)
      throws TfliteImportException {
    for (int t : indices) {
      if ((t < 0 && !(optional && t == -1)) || t >= nTensors) {
        throw new TfliteImportException(
            (op < 0 ? "subgraph" : "operator #" + op)
                + ": tensor index="
                + t
                + ", expected 0.."
                + (nTensors - 1));
      }
    }
  }

  /** The schema version recorded in the file (3 for current files). */
  public long version() {
    return version;
  }

  /** The converter's description, or null. */
  public String description() {
    return description;
  }

  /** Number of subgraphs; only the first (main) one is read, the others serve control flow. */
  public int subgraphCount() {
    return subgraphCount;
  }

  /** The main subgraph's tensors, by index. */
  public List<Tensor> tensors() {
    return tensors;
  }

  /** The tensor at {@code index}. */
  public Tensor tensor(int index) {
    return tensors.get(index);
  }

  /** The main subgraph's operators, in execution order. */
  public List<Operator> operators() {
    return operators;
  }

  /** Tensor indices of the graph inputs. */
  public int[] inputs() {
    return inputs.clone();
  }

  /** Tensor indices of the graph outputs. */
  public int[] outputs() {
    return outputs.clone();
  }
}
