package dev.stapes.engine.inject.internal;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.stapes.engine.inject.InvalidModelException;
import dev.stapes.engine.inject.WeightTensor;
import dev.stapes.engine.internal.ExternalData;
import dev.stapes.engine.internal.ModelInspector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads ONNX models as protos ({@code ai.onnx.proto.OnnxMl}), converts float tensors, and inlines
 * external data through {@link ExternalData}, the reader {@code Session.open} uses too: a location
 * that is absolute, has a {@code ..} component, leads out of the model's folder through a symbolic
 * link, is not a regular file, or whose offset and length do not fit the file is refused.
 */
public final class OnnxModels {
  private OnnxModels() {}

  /**
   * Parses a model file and inlines its external data (if any) from files next to it, with the
   * checks of {@code Session.open}.
   *
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws InvalidModelException when it is not a regular file or not an ONNX model, or its
   *     external data is unsafe or unreadable
   */
  public static OnnxMl.ModelProto read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = ModelInspector.readModelFile(file);
    } catch (ModelInspector.BadModel e) {
      throw new InvalidModelException(e.getMessage());
    }
    OnnxMl.ModelProto m = parse(bytes, file.toString());
    return inlineExternalData(m, file.toAbsolutePath().getParent(), file.toString());
  }

  /**
   * Parses model bytes. Models with external data need {@link #read(Path)} (their directory).
   *
   * @throws InvalidModelException when the bytes are not an ONNX model
   */
  public static OnnxMl.ModelProto parse(byte[] bytes, String source) throws InvalidModelException {
    try {
      return parseChecked(bytes, source);
    } catch (InvalidModelException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidModelException(source + ": not an ONNX model: " + e.getMessage());
    }
  }

  private static OnnxMl.ModelProto parseChecked(byte[] bytes, String source) throws IOException {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setRecursionLimit(256);
      in.setSizeLimit(Integer.MAX_VALUE);
      OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(in);
      if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
        throw new InvalidModelException(source + ": not an ONNX model (no graph nodes)");
      }
      return m;
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new InvalidModelException(source + ": not an ONNX model: " + e.getMessage());
    }
  }

  /**
   * {@code m} with the data of every external tensor read from {@code dir} into {@code raw_data},
   * with the checks of {@code Session.open} (one reader for both paths: {@link ExternalData}).
   *
   * @param dir the model's folder; null when it came as bytes (external data is then refused)
   * @throws InvalidModelException for unsafe or unreadable external data
   */
  public static OnnxMl.ModelProto inlineExternalData(OnnxMl.ModelProto m, Path dir, String source)
      throws InvalidModelException {
    try {
      return ExternalData.inline(m, dir, source);
    } catch (ModelInspector.BadModel e) {
      throw new InvalidModelException(e.getMessage());
    }
  }

  /** The default-domain opset version of a model. */
  public static long opset(OnnxMl.ModelProto m) {
    for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        return o.getVersion();
      }
    }
    return 1;
  }

  /** The values of a float32 tensor proto. */
  public static WeightTensor toWeights(OnnxMl.TensorProto t) throws InvalidModelException {
    if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
      throw new InvalidModelException(
          "tensor '"
              + t.getName()
              + "' has ONNX data type "
              + t.getDataType()
              + ", expected 1 (float32) to merge weights");
    }
    long[] shape = new long[t.getDimsCount()];
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.getDims(i);
      n *= shape[i];
    }
    float[] data = new float[Math.toIntExact(n)];
    if (!t.getRawData().isEmpty()) {
      if (t.getRawData().size() != 4L * n) {
        throw new InvalidModelException(
            "tensor '"
                + t.getName()
                + "' raw_data has "
                + t.getRawData().size()
                + " bytes, expected "
                + 4L * n);
      }
      t.getRawData()
          .asReadOnlyByteBuffer()
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(data);
    } else {
      if (t.getFloatDataCount() != n) {
        throw new InvalidModelException(
            "tensor '"
                + t.getName()
                + "' has "
                + t.getFloatDataCount()
                + " float_data values, expected "
                + n);
      }
      for (int i = 0; i < n; i++) {
        data[i] = t.getFloatData(i);
      }
    }
    return new WeightTensor(shape, data);
  }

  /** A float32 tensor proto named {@code name}. */
  public static OnnxMl.TensorProto floatTensor(String name, WeightTensor w) {
    ByteBuffer b = ByteBuffer.allocate(4 * w.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(w.data());
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(b.array()));
    for (long d : w.shape()) {
      t.addDims(d);
    }
    return t.build();
  }

  /** An int64 tensor proto (1-D, or a scalar when {@code scalar}). */
  public static OnnxMl.TensorProto longTensor(String name, long[] values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
        .addDims(values.length)
        .setRawData(ByteString.copyFrom(b.array()))
        .build();
  }
}
