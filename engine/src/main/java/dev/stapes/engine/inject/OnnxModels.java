package dev.stapes.engine.inject;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads ONNX models as protos ({@code ai.onnx.proto.OnnxMl}), converts float tensors, and inlines
 * external data safely: a location that is absolute or leaves the model's directory is refused
 * (ONNX Runtime up to 1.23 followed such paths; Stapes loads rewritten models from bytes, so it
 * must refuse them itself).
 */
public final class OnnxModels {
  private OnnxModels() {}

  /** Parses a model file and inlines its external data (if any) from files next to it. */
  public static OnnxMl.ModelProto read(Path file) throws IOException {
    OnnxMl.ModelProto m = parse(Files.readAllBytes(file), file.toString());
    return inlineExternalData(m, file.toAbsolutePath().getParent());
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

  static OnnxMl.ModelProto inlineExternalData(OnnxMl.ModelProto m, Path dir) throws IOException {
    boolean any = false;
    for (OnnxMl.TensorProto t : m.getGraph().getInitializerList()) {
      any |= t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    }
    if (!any) {
      return m;
    }
    OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      OnnxMl.TensorProto t = g.getInitializer(i);
      if (t.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
        continue;
      }
      String location = null;
      long offset = 0;
      long length = -1;
      for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
        switch (e.getKey()) {
          case "location" -> location = e.getValue();
          case "offset" -> offset = Long.parseLong(e.getValue());
          case "length" -> length = Long.parseLong(e.getValue());
          default -> {}
        }
      }
      if (location == null || dir == null) {
        throw new InvalidModelException(
            "initializer '" + t.getName() + "' has external data without a location");
      }
      Path p = Path.of(location);
      Path resolved = dir.resolve(p).normalize();
      if (p.isAbsolute() || !resolved.startsWith(dir.normalize())) {
        throw new InvalidModelException(
            "initializer '"
                + t.getName()
                + "' names external data at '"
                + location
                + "', outside the model's directory; refused");
      }
      byte[] all = Files.readAllBytes(resolved);
      if (length < 0) {
        length = all.length - offset;
      }
      if (offset < 0 || offset + length > all.length) {
        throw new InvalidModelException(
            "initializer '"
                + t.getName()
                + "' external data offset="
                + offset
                + " length="
                + length
                + " exceeds '"
                + location
                + "' of "
                + all.length
                + " bytes");
      }
      g.setInitializer(
          i,
          t.toBuilder()
              .clearExternalData()
              .setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
              .setRawData(ByteString.copyFrom(all, (int) offset, (int) length))
              .build());
    }
    return m.toBuilder().setGraph(g).build();
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
