package dev.stapes.engine.internal;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.UnsafeByteOperations;
import dev.stapes.engine.ElementType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The one reader of ONNX external data. Every way Stapes loads a model ({@code Session.open},
 * {@code Session.fromBytes} with a folder, {@code OnnxModels.read}, {@code Injector.Builder.model}
 * with a path or a folder) reads the bytes of tensors kept in separate files here, with one set of
 * checks; ONNX Runtime is never told where the model's folder is, so it cannot follow a path on its
 * own.
 *
 * <p>A tensor is refused, with one message naming the source, the tensor, the location and the
 * reason, when its {@code location} is missing, empty, absolute, has a {@code ..} component or a
 * NUL character; when, after resolving symbolic links in the folder and in the location, the file
 * is not inside the model's real folder, does not exist, or is not a regular file (a directory, a
 * named pipe: refused before it is opened, so nothing blocks); when {@code offset} or {@code
 * length} is not a decimal integer, is negative, or reaches past the end of the file; when the
 * length exceeds {@link #MAX_TENSOR_BYTES} or differs from what the tensor's type and shape need;
 * or when the model came as bytes without a folder. A missing {@code length} means the size the
 * tensor's type and shape need (as in ONNX Runtime), or the rest of the file for types whose size
 * Stapes does not know.
 *
 * <p>Cost model: each external tensor is read once, into a heap array when it is inlined into the
 * proto and into a direct buffer when it is handed to ONNX Runtime from memory; each file is opened
 * once per call. Static methods without shared state: any thread may call them.
 */
public final class ExternalData {
  /** The largest tensor read into memory: the largest Java array, in bytes. */
  public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

  /**
   * Tensors up to this size are always inlined into the proto, even when {@link #load} could hand
   * them over from memory: ONNX shape inference needs the values of small constant inputs (a
   * Reshape's shape, a Slice's axes), which it cannot read from an external initializer.
   */
  public static final int INLINE_BELOW_BYTES = 4096;

  private ExternalData() {}

  /**
   * A main-graph initializer whose bytes ONNX Runtime gets from memory: {@code data} is a direct,
   * little-endian buffer of exactly the tensor's bytes (position 0). In the model returned beside
   * it the initializer still names its (checked) location, which ONNX Runtime requires of an
   * initializer it replaces, but nothing is read from there.
   */
  public record Initializer(String name, ElementType type, long[] dims, ByteBuffer data) {}

  /** A model whose external data has been read: the rewritten proto and the initializers aside. */
  public record Loaded(OnnxMl.ModelProto model, List<Initializer> initializers) {}

  /**
   * {@code model} with the data of every external tensor (initializers, sparse initializers, node
   * attributes, subgraphs, functions, training info) read from {@code folder} into {@code
   * raw_data}; the model itself when none is external.
   *
   * @param folder the model's folder; null when it came as bytes (any external data is refused)
   * @param source names the model in messages
   * @throws ModelInspector.BadModel for unsafe or unreadable external data
   */
  public static OnnxMl.ModelProto inline(OnnxMl.ModelProto model, Path folder, String source)
      throws ModelInspector.BadModel {
    return read(model, folder, source, t -> false).model();
  }

  /**
   * Like {@link #inline}, but main-graph initializers larger than {@link #INLINE_BELOW_BYTES} whose
   * ONNX data type passes {@code fromMemory} are returned aside as direct buffers instead of being
   * copied into the proto (which would then be limited to 2 GiB).
   */
  public static Loaded load(
      OnnxMl.ModelProto model, Path folder, String source, IntPredicate fromMemory)
      throws ModelInspector.BadModel {
    return read(model, folder, source, fromMemory);
  }

  private static Loaded read(
      OnnxMl.ModelProto model, Path folder, String source, IntPredicate fromMemory)
      throws ModelInspector.BadModel {
    try (Walk w = new Walk(folder, source, fromMemory)) {
      OnnxMl.ModelProto out = w.model(model);
      return new Loaded(out, Collections.unmodifiableList(new ArrayList<>(w.aside.values())));
    }
  }

  /** One call's state: the folder's real path, the files opened so far, the tensors set aside. */
  private static final class Walk implements AutoCloseable {
    private final Path folder;
    private final String source;
    private final IntPredicate fromMemory;
    private final Map<Path, FileChannel> open = new HashMap<>();
    private final Map<String, Initializer> aside = new LinkedHashMap<>();
    private Path realFolder;

    Walk(Path folder, String source, IntPredicate fromMemory) {
      this.folder = folder;
      this.source = source;
      this.fromMemory = fromMemory;
    }

    OnnxMl.ModelProto model(OnnxMl.ModelProto m) throws ModelInspector.BadModel {
      OnnxMl.ModelProto.Builder b = null;
      OnnxMl.GraphProto g = graph(m.getGraph(), true, "graph");
      if (g != m.getGraph()) {
        b = m.toBuilder().setGraph(g);
      }
      for (int i = 0; i < m.getFunctionsCount(); i++) {
        OnnxMl.FunctionProto f = m.getFunctions(i);
        OnnxMl.FunctionProto.Builder fb = null;
        for (int j = 0; j < f.getNodeCount(); j++) {
          OnnxMl.NodeProto n = f.getNode(j);
          OnnxMl.NodeProto r = node(n, "function '" + f.getName() + "'");
          if (r != n) {
            fb = fb == null ? f.toBuilder() : fb;
            fb.setNode(j, r);
          }
        }
        if (fb != null) {
          b = b == null ? m.toBuilder() : b;
          b.setFunctions(i, fb);
        }
      }
      for (int i = 0; i < m.getTrainingInfoCount(); i++) {
        OnnxMl.TrainingInfoProto t = m.getTrainingInfo(i);
        OnnxMl.TrainingInfoProto.Builder tb = null;
        if (t.hasInitialization()) {
          OnnxMl.GraphProto r = graph(t.getInitialization(), false, "training initialization");
          if (r != t.getInitialization()) {
            tb = t.toBuilder().setInitialization(r);
          }
        }
        if (t.hasAlgorithm()) {
          OnnxMl.GraphProto r = graph(t.getAlgorithm(), false, "training algorithm");
          if (r != t.getAlgorithm()) {
            tb = (tb == null ? t.toBuilder() : tb).setAlgorithm(r);
          }
        }
        if (tb != null) {
          b = b == null ? m.toBuilder() : b;
          b.setTrainingInfo(i, tb);
        }
      }
      return b == null ? m : b.build();
    }

    private OnnxMl.GraphProto graph(OnnxMl.GraphProto g, boolean main, String where)
        throws ModelInspector.BadModel {
      OnnxMl.GraphProto.Builder b = null;
      for (int i = 0; i < g.getInitializerCount(); i++) {
        OnnxMl.TensorProto t = g.getInitializer(i);
        OnnxMl.TensorProto r = tensor(t, main, "initializer of " + where);
        if (r != t) {
          b = b == null ? g.toBuilder() : b;
          b.setInitializer(i, r);
        }
      }
      for (int i = 0; i < g.getSparseInitializerCount(); i++) {
        OnnxMl.SparseTensorProto s = g.getSparseInitializer(i);
        OnnxMl.SparseTensorProto r = sparse(s, "sparse initializer of " + where);
        if (r != s) {
          b = b == null ? g.toBuilder() : b;
          b.setSparseInitializer(i, r);
        }
      }
      for (int i = 0; i < g.getNodeCount(); i++) {
        OnnxMl.NodeProto n = g.getNode(i);
        OnnxMl.NodeProto r = node(n, where);
        if (r != n) {
          b = b == null ? g.toBuilder() : b;
          b.setNode(i, r);
        }
      }
      return b == null ? g : b.build();
    }

    private OnnxMl.NodeProto node(OnnxMl.NodeProto n, String where) throws ModelInspector.BadModel {
      OnnxMl.NodeProto.Builder b = null;
      for (int i = 0; i < n.getAttributeCount(); i++) {
        OnnxMl.AttributeProto a = n.getAttribute(i);
        OnnxMl.AttributeProto r =
            attribute(
                a,
                "attribute '"
                    + a.getName()
                    + "' of node '"
                    + n.getName()
                    + "' ("
                    + n.getOpType()
                    + ") in "
                    + where);
        if (r != a) {
          b = b == null ? n.toBuilder() : b;
          b.setAttribute(i, r);
        }
      }
      return b == null ? n : b.build();
    }

    private OnnxMl.AttributeProto attribute(OnnxMl.AttributeProto a, String where)
        throws ModelInspector.BadModel {
      OnnxMl.AttributeProto.Builder b = null;
      if (a.hasT()) {
        OnnxMl.TensorProto r = tensor(a.getT(), false, where);
        if (r != a.getT()) {
          b = a.toBuilder().setT(r);
        }
      }
      for (int i = 0; i < a.getTensorsCount(); i++) {
        OnnxMl.TensorProto r = tensor(a.getTensors(i), false, where);
        if (r != a.getTensors(i)) {
          b = (b == null ? a.toBuilder() : b).setTensors(i, r);
        }
      }
      if (a.hasSparseTensor()) {
        OnnxMl.SparseTensorProto r = sparse(a.getSparseTensor(), where);
        if (r != a.getSparseTensor()) {
          b = (b == null ? a.toBuilder() : b).setSparseTensor(r);
        }
      }
      for (int i = 0; i < a.getSparseTensorsCount(); i++) {
        OnnxMl.SparseTensorProto r = sparse(a.getSparseTensors(i), where);
        if (r != a.getSparseTensors(i)) {
          b = (b == null ? a.toBuilder() : b).setSparseTensors(i, r);
        }
      }
      if (a.hasG()) {
        OnnxMl.GraphProto r = graph(a.getG(), false, "subgraph of " + where);
        if (r != a.getG()) {
          b = (b == null ? a.toBuilder() : b).setG(r);
        }
      }
      for (int i = 0; i < a.getGraphsCount(); i++) {
        OnnxMl.GraphProto r = graph(a.getGraphs(i), false, "subgraph of " + where);
        if (r != a.getGraphs(i)) {
          b = (b == null ? a.toBuilder() : b).setGraphs(i, r);
        }
      }
      return b == null ? a : b.build();
    }

    private OnnxMl.SparseTensorProto sparse(OnnxMl.SparseTensorProto s, String where)
        throws ModelInspector.BadModel {
      OnnxMl.TensorProto v = tensor(s.getValues(), false, "values of " + where);
      OnnxMl.TensorProto i = tensor(s.getIndices(), false, "indices of " + where);
      if (v == s.getValues() && i == s.getIndices()) {
        return s;
      }
      return s.toBuilder().setValues(v).setIndices(i).build();
    }

    /** {@code t} itself, inlined, or (main-graph initializers) a placeholder with data aside. */
    private OnnxMl.TensorProto tensor(OnnxMl.TensorProto t, boolean mainInitializer, String where)
        throws ModelInspector.BadModel {
      String name = t.getName().isEmpty() ? "(unnamed " + where + ")" : t.getName();
      String location = null;
      String offsetText = null;
      String lengthText = null;
      for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
        String key = e.getKey();
        if (key.equals("location") || key.equals("offset") || key.equals("length")) {
          boolean twice =
              key.equals("location")
                  ? location != null
                  : key.equals("offset") ? offsetText != null : lengthText != null;
          if (twice) {
            throw refuse(
                name, location, "key '" + key + "' appears twice in external_data, expected once");
          }
          switch (key) {
            case "location" -> location = e.getValue();
            case "offset" -> offsetText = e.getValue();
            default -> lengthText = e.getValue();
          }
        }
      }
      if (t.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
        if (t.getExternalDataCount() > 0) {
          throw refuse(
              name,
              location,
              "external_data entries on a tensor with data_location=DEFAULT, expected"
                  + " data_location=EXTERNAL or no entries");
        }
        return t;
      }
      if (location == null) {
        throw refuse(
            name, null, "no 'location' entry, expected a relative path inside the model's folder");
      }
      ElementType type = ElementType.ofOnnx(t.getDataType());
      if (type == ElementType.STRING) {
        throw refuse(name, location, "string tensors cannot keep their data in an external file");
      }
      long offset = number(name, location, "offset", offsetText, 0);
      long need = expectedBytes(name, location, t, type);
      long length = number(name, location, "length", lengthText, need);
      if (length > MAX_TENSOR_BYTES) {
        throw refuse(
            name,
            location,
            (lengthText == null ? "its type and shape need " : "length=")
                + length
                + " bytes, expected at most "
                + MAX_TENSOR_BYTES
                + " bytes (the largest tensor Stapes reads into memory)");
      }
      if (need >= 0 && length != need) {
        throw refuse(
            name,
            location,
            "length="
                + length
                + " bytes, expected "
                + need
                + " bytes for "
                + type
                + Arrays.toString(t.getDimsList().stream().mapToLong(Long::longValue).toArray()));
      }
      FileChannel ch = file(name, location);
      long size;
      try {
        size = ch.size();
      } catch (IOException e) {
        throw refuse(name, location, "its size cannot be read (" + e.getMessage() + ")");
      }
      if (offset > size) {
        throw refuse(
            name, location, "offset=" + offset + " bytes, expected 0 to the file's " + size);
      }
      if (length < 0) { // no length and a type of unknown size: the rest of the file
        length = size - offset;
        if (length > MAX_TENSOR_BYTES) {
          throw refuse(
              name,
              location,
              "the rest of the file from offset="
                  + offset
                  + " is "
                  + length
                  + " bytes, expected at most "
                  + MAX_TENSOR_BYTES
                  + " bytes (the largest tensor Stapes reads into memory)");
        }
      }
      if (length > size - offset) {
        throw refuse(
            name,
            location,
            "offset="
                + offset
                + " + length="
                + length
                + " bytes reaches past the end of the file ("
                + size
                + " bytes)");
      }
      boolean keepAside =
          mainInitializer && length > INLINE_BELOW_BYTES && fromMemory.test(t.getDataType());
      ByteBuffer data = allocate(name, location, (int) length, keepAside);
      readFully(ch, name, location, offset, data);
      data.flip();
      if (keepAside) {
        if (aside.containsKey(t.getName())) {
          throw refuse(name, location, "two main-graph initializers have this name");
        }
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        aside.put(t.getName(), new Initializer(t.getName(), type, dims, data));
        return t.toBuilder().clearRawData().build();
      }
      return t.toBuilder()
          .clearExternalData()
          .setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
          .setRawData(UnsafeByteOperations.unsafeWrap(data.array(), 0, data.limit()))
          .build();
    }

    /** The bytes {@code t}'s type and shape need, or -1 for a type of unknown element size. */
    private long expectedBytes(String name, String location, OnnxMl.TensorProto t, ElementType type)
        throws ModelInspector.BadModel {
      long n = 1;
      for (long d : t.getDimsList()) {
        if (d < 0) {
          throw refuse(
              name,
              location,
              "shape " + t.getDimsList() + " has a negative dimension, expected sizes >= 0");
        }
        if (d != 0 && n > Long.MAX_VALUE / 16 / d) {
          throw refuse(
              name,
              location,
              "shape "
                  + t.getDimsList()
                  + " holds more than "
                  + MAX_TENSOR_BYTES
                  + " bytes (the largest tensor Stapes reads into memory)");
        }
        n *= d;
      }
      return type.size() > 0 ? n * type.size() : -1;
    }

    private long number(String name, String location, String key, String text, long absent)
        throws ModelInspector.BadModel {
      if (text == null) {
        return absent;
      }
      long v;
      try {
        v = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw refuse(
            name, location, key + "='" + text + "', expected a decimal number of bytes >= 0");
      }
      if (v < 0) {
        throw refuse(name, location, key + "=" + v + " bytes, expected >= 0");
      }
      return v;
    }

    private ByteBuffer allocate(String name, String location, int length, boolean direct)
        throws ModelInspector.BadModel {
      try {
        return direct
            ? ByteBuffer.allocateDirect(length).order(ByteOrder.LITTLE_ENDIAN)
            : ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      } catch (OutOfMemoryError e) {
        throw refuse(
            name,
            location,
            "length="
                + length
                + " bytes do not fit in this JVM's memory ("
                + e.getMessage()
                + "); raise "
                + (direct ? "-XX:MaxDirectMemorySize" : "-Xmx"));
      }
    }

    private void readFully(
        FileChannel ch, String name, String location, long offset, ByteBuffer dst)
        throws ModelInspector.BadModel {
      try {
        long pos = offset;
        while (dst.hasRemaining()) {
          int n = ch.read(dst, pos);
          if (n < 0) {
            throw refuse(
                name,
                location,
                "the file ended after "
                    + (pos - offset)
                    + " of "
                    + dst.limit()
                    + " bytes (was it changed while being read?)");
          }
          pos += n;
        }
      } catch (IOException e) {
        throw refuse(name, location, "reading failed (" + e.getMessage() + ")");
      }
    }

    /** The checked, opened file of {@code location}. */
    private FileChannel file(String name, String location) throws ModelInspector.BadModel {
      String why = lexical(location);
      if (why != null) {
        throw refuse(name, location, why);
      }
      if (folder == null) {
        throw refuse(
            name,
            location,
            "the model was given as bytes without a folder, expected the folder that holds its"
                + " external data");
      }
      if (realFolder == null) {
        try {
          realFolder = folder.toRealPath();
        } catch (IOException | RuntimeException e) {
          throw refuse(
              name, location, "the model's folder " + folder + " cannot be resolved (" + e + ")");
        }
      }
      Path real;
      try {
        real = realFolder.resolve(location).toRealPath();
      } catch (NoSuchFileException e) {
        throw refuse(name, location, "no such file in the model's folder " + realFolder);
      } catch (IOException | RuntimeException e) {
        throw refuse(name, location, "the path cannot be resolved (" + e + ")");
      }
      if (!real.startsWith(realFolder)) {
        throw refuse(
            name,
            location,
            "a symbolic link leading outside the model's folder "
                + realFolder
                + " (to "
                + real
                + "), expected a file inside it");
      }
      FileChannel ch = open.get(real);
      if (ch != null) {
        return ch;
      }
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw refuse(name, location, "its attributes cannot be read (" + e + ")");
      }
      if (!a.isRegularFile()) {
        throw refuse(
            name,
            location,
            (a.isDirectory()
                    ? "a directory"
                    : "not a regular file (a named pipe, socket or device)")
                + ", expected a regular file");
      }
      try {
        ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw refuse(name, location, "it cannot be opened (" + e + ")");
      }
      open.put(real, ch);
      return ch;
    }

    /** Why {@code location} is refused before it is resolved, or null. */
    private static String lexical(String location) {
      if (location.isEmpty()) {
        return "the location is empty, expected a relative path inside the model's folder";
      }
      if (location.indexOf('\0') >= 0) {
        return "the location has a NUL character, expected a relative path inside the model's"
            + " folder";
      }
      boolean absolute;
      try {
        absolute = Path.of(location).isAbsolute();
      } catch (java.nio.file.InvalidPathException e) {
        return "not a valid path (" + e.getMessage() + ")";
      }
      if (absolute
          || location.startsWith("/")
          || location.startsWith("\\")
          || location.matches("^[A-Za-z]:.*")) {
        return "an absolute path, expected a relative path inside the model's folder";
      }
      for (String part : location.split("[/\\\\]")) {
        if (part.equals("..")) {
          return "a '..' component, expected a relative path inside the model's folder";
        }
      }
      return null;
    }

    private ModelInspector.BadModel refuse(String name, String location, String why) {
      return new ModelInspector.BadModel(
          source
              + ": refused external data of tensor '"
              + name
              + "'"
              + (location == null ? "" : " at location '" + location + "'")
              + ": "
              + why,
          null);
    }

    @Override
    public void close() {
      for (FileChannel ch : open.values()) {
        try {
          ch.close();
        } catch (IOException e) {
          // read-only: nothing was lost
        }
      }
    }
  }
}
