package dev.stapes.engine.internal;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an ONNX model with the ONNX protos before it reaches ONNX Runtime and checks that it is
 * safe to load: every tensor whose data lives in an external file must name a relative path that
 * stays inside the model's folder (no absolute paths, no {@code ..}, no symbolic link leading out).
 * ONNX Runtime up to 1.23 followed any such path; Stapes also loads rewritten models from bytes, so
 * it checks this itself.
 */
public final class ModelInspector {
  private final OnnxMl.ModelProto model;
  private final List<String> externalLocations;

  private ModelInspector(OnnxMl.ModelProto model, List<String> externalLocations) {
    this.model = model;
    this.externalLocations = externalLocations;
  }

  /** Thrown for a model that is not valid ONNX or is unsafe; the message names the source. */
  public static final class BadModel extends Exception {
    private static final long serialVersionUID = 1L;

    BadModel(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Parses {@code bytes} and checks external data paths against {@code folder} (null: the model has
   * no folder, so any external data is refused).
   */
  public static ModelInspector inspect(byte[] bytes, Path folder, String source) throws BadModel {
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
    List<String> locations = new ArrayList<>();
    collect(m, locations);
    for (String loc : locations) {
      checkLocation(loc, folder, source);
    }
    return new ModelInspector(m, Collections.unmodifiableList(locations));
  }

  /** The parsed model. */
  public OnnxMl.ModelProto model() {
    return model;
  }

  /** External data locations the model names (already checked), in order of appearance. */
  public List<String> externalLocations() {
    return externalLocations;
  }

  /** The model's metadata_props, in order. */
  public Map<String, String> metadata() {
    Map<String, String> out = new LinkedHashMap<>();
    for (OnnxMl.StringStringEntryProto e : model.getMetadataPropsList()) {
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  static void checkLocation(String loc, Path folder, String source) throws BadModel {
    String why = null;
    if (loc.isEmpty()) {
      why = "an empty location";
    } else if (loc.startsWith("/") || loc.startsWith("\\") || loc.matches("^[A-Za-z]:.*")) {
      why = "an absolute path";
    } else if (loc.indexOf('\0') >= 0) {
      why = "a NUL character";
    } else {
      for (String part : loc.split("[/\\\\]")) {
        if (part.equals("..")) {
          why = "a '..' component";
          break;
        }
      }
    }
    if (why == null && folder == null) {
      why = "external data, but the model was given as bytes without a folder";
    }
    if (why == null) {
      try {
        Path base = folder.toAbsolutePath().normalize();
        Path target = base.resolve(loc).normalize();
        if (!target.startsWith(base)) {
          why = "a path outside the model's folder";
        } else if (Files.exists(target)) {
          Path realBase = base.toRealPath();
          if (!target.toRealPath().startsWith(realBase)) {
            why = "a symbolic link leading outside the model's folder";
          }
        }
      } catch (IOException | RuntimeException e) {
        why = "a path that cannot be resolved (" + e.getMessage() + ")";
      }
    }
    if (why != null) {
      throw new BadModel(
          source
              + ": refused: a tensor's external data location '"
              + loc
              + "' is "
              + why
              + "; external data must be a relative path inside the model's folder",
          null);
    }
  }

  private static void collect(OnnxMl.ModelProto m, List<String> out) {
    collect(m.getGraph(), out);
    for (OnnxMl.FunctionProto f : m.getFunctionsList()) {
      for (OnnxMl.NodeProto n : f.getNodeList()) {
        collect(n, out);
      }
    }
    for (OnnxMl.TrainingInfoProto t : m.getTrainingInfoList()) {
      collect(t.getInitialization(), out);
      collect(t.getAlgorithm(), out);
    }
  }

  private static void collect(OnnxMl.GraphProto g, List<String> out) {
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      collect(t, out);
    }
    for (OnnxMl.SparseTensorProto s : g.getSparseInitializerList()) {
      collect(s, out);
    }
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      collect(n, out);
    }
  }

  private static void collect(OnnxMl.NodeProto n, List<String> out) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.hasT()) {
        collect(a.getT(), out);
      }
      for (OnnxMl.TensorProto t : a.getTensorsList()) {
        collect(t, out);
      }
      if (a.hasSparseTensor()) {
        collect(a.getSparseTensor(), out);
      }
      for (OnnxMl.SparseTensorProto s : a.getSparseTensorsList()) {
        collect(s, out);
      }
      if (a.hasG()) {
        collect(a.getG(), out);
      }
      for (OnnxMl.GraphProto g : a.getGraphsList()) {
        collect(g, out);
      }
    }
  }

  private static void collect(OnnxMl.SparseTensorProto s, List<String> out) {
    collect(s.getValues(), out);
    collect(s.getIndices(), out);
  }

  private static void collect(OnnxMl.TensorProto t, List<String> out) {
    boolean external = t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    String location = null;
    for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
      if (e.getKey().equals("location")) {
        location = e.getValue();
      }
    }
    if (external || location != null) {
      out.add(location == null ? "" : location);
    }
  }
}
