package dev.stapes.engine.internal;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and parses an ONNX model with the ONNX protos before it reaches ONNX Runtime. The data of
 * tensors kept in external files is read (and checked) by {@link ExternalData}, the one reader of
 * external data for every loading path.
 */
public final class ModelInspector {
  /** The largest model file read into memory (protobuf's limit for one message). */
  public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8;

  private final OnnxMl.ModelProto model;

  private ModelInspector(OnnxMl.ModelProto model) {
    this.model = model;
  }

  /** Thrown for a model that is not valid ONNX or is unsafe; the message names the source. */
  public static final class BadModel extends Exception {
    private static final long serialVersionUID = 1L;

    BadModel(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The bytes of the model file {@code file}, refusing what is not a regular file (a directory, a
   * named pipe: before it is opened, so nothing blocks) or is larger than {@link #MAX_MODEL_BYTES}.
   *
   * @throws NoSuchFileException when the file does not exist
   * @throws BadModel when it is not a regular file or is too large
   */
  public static byte[] readModelFile(Path file) throws IOException, BadModel {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "model file not found");
    }
    if (!a.isRegularFile()) {
      throw new BadModel(
          file
              + ": "
              + (a.isDirectory() ? "is a directory" : "is not a regular file (a named pipe?)")
              + ", expected an .onnx file",
          null);
    }
    if (a.size() > MAX_MODEL_BYTES) {
      throw new BadModel(
          file
              + ": "
              + a.size()
              + " bytes, expected at most "
              + MAX_MODEL_BYTES
              + " bytes for an .onnx file; keep the weights in external data (a .onnx.data file"
              + " beside it)",
          null);
    }
    return Files.readAllBytes(file);
  }

  /** Parses {@code bytes}; {@code source} names the model in messages. */
  public static ModelInspector inspect(byte[] bytes, String source) throws BadModel {
    if (bytes.length == 0) {
      throw new BadModel(source + ": not an ONNX model (the file is empty)", null);
    }
    OnnxMl.ModelProto m;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(Integer.MAX_VALUE);
      in.setRecursionLimit(1000);
      m = OnnxMl.ModelProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new BadModel(
          source + ": not an ONNX model (protobuf parse failed: " + e.getMessage() + ")", e);
    } catch (IOException | RuntimeException e) {
      throw new BadModel(source + ": not an ONNX model (" + e.getMessage() + ")", e);
    }
    if (!m.hasGraph() || m.getIrVersion() <= 0) {
      throw new BadModel(
          source + ": not an ONNX model (no graph or no IR version; is it a different format?)",
          null);
    }
    return new ModelInspector(m);
  }

  /** The parsed model. */
  public OnnxMl.ModelProto model() {
    return model;
  }

  /** The model's metadata_props, in order. */
  public Map<String, String> metadata() {
    Map<String, String> out = new LinkedHashMap<>();
    for (OnnxMl.StringStringEntryProto e : model.getMetadataPropsList()) {
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }
}
