package dev.stapes.engine.inject;

import dev.stapes.engine.Json;
import dev.stapes.engine.internal.Half;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code dtype}, {@code shape}, {@code data_offsets} per tensor, optional {@code __metadata__} of
 * string values), then the raw little-endian data.
 *
 * <p>The reader accepts F32, F16 and BF16 and returns float32. It checks that the header length is
 * at most {@link #MAX_HEADER_BYTES}, that every tensor's byte range lies inside the data section,
 * that ranges do not overlap, and that each shape matches its byte count; any violation is an
 * {@link InvalidAdapterException} naming the file and the tensor.
 */
public final class Safetensors {
  /** The largest header accepted (100 MB, as the reference implementation). */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private final Map<String, WeightTensor> tensors;
  private final Map<String, String> metadata;

  private Safetensors(Map<String, WeightTensor> tensors, Map<String, String> metadata) {
    this.tensors = Collections.unmodifiableMap(tensors);
    this.metadata = Collections.unmodifiableMap(metadata);
  }

  /** Tensors by name, in file order. */
  public Map<String, WeightTensor> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} entries (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Reads a whole file. */
  public static Safetensors read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > Integer.MAX_VALUE - 16) {
      throw new InvalidAdapterException(file + ": " + size + " bytes, at most 2 GiB supported");
    }
    ByteBuffer buf;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // fill
      }
      buf.flip();
    }
    return parse(buf, file.toString());
  }

  /**
   * The message for a file whose {@code __metadata__} does not declare {@code format=expected}: a
   * missing entry is said so, not printed as {@code null}.
   */
  static String formatMismatch(String source, Map<String, String> metadata, String expected) {
    String got = metadata.get("format");
    return source
        + (got == null
            ? ": no 'format' entry in its __metadata__, expected format=" + expected
            : ": metadata format=" + got + ", expected " + expected)
        + " (is it a different kind of safetensors file?)";
  }

  /** Parses the bytes of a safetensors file; {@code source} names it in errors. */
  public static Safetensors parse(ByteBuffer bytes, String source) throws InvalidAdapterException {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long total = b.remaining();
    if (total < 10) {
      throw new InvalidAdapterException(
          source
              + ": "
              + total
              + " bytes, too short for a safetensors file (expected at least 10: an 8-byte"
              + " header length and a JSON header)");
    }
    int base = b.position();
    long headerLen = b.getLong(base);
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > total - 8) {
      throw new InvalidAdapterException(
          source
              + ": header length "
              + headerLen
              + " bytes, expected 2.."
              + Math.min(MAX_HEADER_BYTES, total - 8)
              + " (file is "
              + total
              + " bytes); corrupt or not a safetensors file");
    }
    byte[] h = new byte[(int) headerLen];
    b.position(base + 8);
    b.get(h);
    Object parsed;
    try {
      parsed = Json.parse(new String(h, StandardCharsets.UTF_8).stripTrailing());
    } catch (IllegalArgumentException e) {
      throw new InvalidAdapterException(source + ": corrupt safetensors header: " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> header)) {
      throw new InvalidAdapterException(source + ": safetensors header is not a JSON object");
    }
    long dataStart = 8 + headerLen;
    long dataLen = total - dataStart;
    Map<String, String> meta = new LinkedHashMap<>();
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    List<String> rangeNames = new ArrayList<>();
    for (Map.Entry<?, ?> e : header.entrySet()) {
      String name = (String) e.getKey();
      if (name.equals("__metadata__")) {
        if (!(e.getValue() instanceof Map<?, ?> m)) {
          throw new InvalidAdapterException(source + ": __metadata__ is not an object");
        }
        for (Map.Entry<?, ?> me : m.entrySet()) {
          if (!(me.getValue() instanceof String v)) {
            throw new InvalidAdapterException(
                source + ": __metadata__ value of '" + me.getKey() + "' is not a string");
          }
          meta.put((String) me.getKey(), v);
        }
        continue;
      }
      if (!(e.getValue() instanceof Map<?, ?> info)) {
        throw new InvalidAdapterException(
            source + ": tensor '" + name + "' entry is not an object");
      }
      String dtype = info.get("dtype") instanceof String s ? s : null;
      long[] shape = longs(info.get("shape"), source, name, "shape");
      long[] off = longs(info.get("data_offsets"), source, name, "data_offsets");
      if (dtype == null) {
        throw new InvalidAdapterException(source + ": tensor '" + name + "' has no dtype");
      }
      int width =
          switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default ->
                throw new InvalidAdapterException(
                    source
                        + ": tensor '"
                        + name
                        + "' has dtype "
                        + dtype
                        + ", expected one of [F32, F16, BF16]");
          };
      if (off.length != 2 || off[0] < 0 || off[1] < off[0] || off[1] > dataLen) {
        throw new InvalidAdapterException(
            source
                + ": tensor '"
                + name
                + "' data_offsets="
                + Arrays.toString(off)
                + " outside the data section of "
                + dataLen
                + " bytes");
      }
      long n = 1;
      for (long d : shape) {
        if (d < 0) {
          throw new InvalidAdapterException(
              source
                  + ": tensor '"
                  + name
                  + "' shape="
                  + Arrays.toString(shape)
                  + " has a negative dimension");
        }
        try {
          n = Math.multiplyExact(n, d);
        } catch (ArithmeticException ex) {
          throw new InvalidAdapterException(source + ": tensor '" + name + "' shape overflows");
        }
      }
      if (n > Integer.MAX_VALUE || n * width != off[1] - off[0]) {
        throw new InvalidAdapterException(
            source
                + ": tensor '"
                + name
                + "' shape="
                + Arrays.toString(shape)
                + " "
                + dtype
                + " needs "
                + (n * width)
                + " bytes, data_offsets span "
                + (off[1] - off[0]));
      }
      for (int k = 0; k < ranges.size(); k++) {
        long[] r = ranges.get(k);
        if (off[0] < r[1] && r[0] < off[1]) {
          throw new InvalidAdapterException(
              source
                  + ": tensor '"
                  + name
                  + "' bytes "
                  + Arrays.toString(off)
                  + " overlap tensor '"
                  + rangeNames.get(k)
                  + "' bytes "
                  + Arrays.toString(r));
        }
      }
      ranges.add(off);
      rangeNames.add(name);
      float[] data = new float[(int) n];
      int p = (int) (base + dataStart + off[0]);
      for (int k = 0; k < n; k++) {
        data[k] =
            switch (width) {
              case 4 -> b.getFloat(p + 4 * k);
              default ->
                  dtype.equals("F16")
                      ? Half.toFloat(b.getShort(p + 2 * k))
                      : Float.intBitsToFloat((b.getShort(p + 2 * k) & 0xffff) << 16);
            };
      }
      out.put(name, new WeightTensor(shape, data));
    }
    return new Safetensors(out, meta);
  }

  private static long[] longs(Object v, String source, String name, String field)
      throws InvalidAdapterException {
    if (!(v instanceof List<?> l)) {
      throw new InvalidAdapterException(
          source + ": tensor '" + name + "' has no " + field + " array");
    }
    long[] a = new long[l.size()];
    for (int k = 0; k < a.length; k++) {
      if (!(l.get(k) instanceof Double d) || d != Math.rint(d) || Math.abs(d) > 1e15) {
        throw new InvalidAdapterException(
            source
                + ": tensor '"
                + name
                + "' "
                + field
                + "["
                + k
                + "]="
                + l.get(k)
                + " is not an integer");
      }
      a[k] = d.longValue();
    }
    return a;
  }

  /** Writes tensors as F32 with optional metadata (used by tests and tools). */
  public static void write(
      Path file, Map<String, WeightTensor> tensors, Map<String, String> metadata)
      throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(toBytes(tensors, metadata));
    }
  }

  /** The bytes of a safetensors file holding {@code tensors} as F32. */
  public static byte[] toBytes(Map<String, WeightTensor> tensors, Map<String, String> metadata) {
    StringBuilder h = new StringBuilder("{");
    long off = 0;
    boolean first = true;
    if (metadata != null && !metadata.isEmpty()) {
      h.append("\"__metadata__\":{");
      boolean f2 = true;
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        h.append(f2 ? "" : ",")
            .append(Json.quote(e.getKey()))
            .append(':')
            .append(Json.quote(e.getValue()));
        f2 = false;
      }
      h.append('}');
      first = false;
    }
    for (Map.Entry<String, WeightTensor> e : tensors.entrySet()) {
      long n = 4L * e.getValue().size();
      h.append(first ? "" : ",")
          .append(Json.quote(e.getKey()))
          .append(":{\"dtype\":\"F32\",\"shape\":[");
      long[] s = e.getValue().shape();
      for (int k = 0; k < s.length; k++) {
        h.append(k == 0 ? "" : ",").append(s[k]);
      }
      h.append("],\"data_offsets\":[").append(off).append(',').append(off + n).append("]}");
      off += n;
      first = false;
    }
    h.append('}');
    while (h.length() % 8 != 0) {
      h.append(' ');
    }
    byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b =
        ByteBuffer.allocate(Math.toIntExact(8 + hb.length + off)).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(hb.length).put(hb);
    for (WeightTensor t : tensors.values()) {
      for (float v : t.data()) {
        b.putFloat(v);
      }
    }
    return b.array();
  }
}
