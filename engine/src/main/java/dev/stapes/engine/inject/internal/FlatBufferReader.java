package dev.stapes.engine.inject.internal;

import dev.stapes.engine.inject.InvalidAdapterException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked reader of a FlatBuffers buffer (little-endian; tables, vectors, strings), for
 * input that may be hostile. Every position it returns lies inside the buffer with room for what
 * was asked: a root or field offset, a vtable, a table's inline fields, a vector's elements and a
 * string with its terminating zero are checked against the buffer size before use, in {@code long}
 * arithmetic, so no offset or count can wrap, read outside the buffer or make a caller allocate
 * more than the buffer holds. Every failure is an {@link InvalidAdapterException} whose message
 * names the source, what was being read, the offset and the buffer size.
 *
 * <p>Alignment is not required (FlatBuffers writers align; ONNX Runtime's own adapter writer leaves
 * {@code raw_data} 4-aligned although its schema asks for 8), since a Java buffer reads any
 * position.
 *
 * <p>Cost model: no copying; reads go straight to the buffer. Not thread-safe (one reader per
 * buffer; the buffer's position is never used, so several readers may share one buffer).
 */
public final class FlatBufferReader {
  private final ByteBuffer buf;
  private final long size;
  private final String source;

  /**
   * A reader over {@code buf}'s content from index 0 to its limit. The buffer is used with absolute
   * indices only and its byte order is set to little-endian.
   */
  public FlatBufferReader(ByteBuffer buf, String source) {
    this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
    this.size = buf.limit();
    this.source = source;
  }

  /** The buffer size in bytes. */
  public int size() {
    return (int) size;
  }

  /** The source name used in messages. */
  public String source() {
    return source;
  }

  /** An {@link InvalidAdapterException} with {@code message} prefixed by the source. */
  public InvalidAdapterException invalid(String message) {
    return new InvalidAdapterException(source + ": " + message);
  }

  private void need(long pos, long bytes, String what) throws InvalidAdapterException {
    if (pos < 0 || bytes < 0 || pos + bytes > size) {
      throw invalid(
          what
              + " at offset "
              + pos
              + " needs "
              + bytes
              + " bytes, the buffer holds "
              + size
              + " bytes");
    }
  }

  /**
   * The position of the root table, after checking that the buffer starts with a root offset and
   * the 4-character file identifier {@code identifier}.
   */
  public int root(String identifier) throws InvalidAdapterException {
    if (size < 8) {
      throw invalid(
          "file of "
              + size
              + " bytes is too short for a FlatBuffers root offset and file identifier (8 bytes)");
    }
    byte[] id = identifier.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 4; i++) {
      if (buf.get(4 + i) != id[i]) {
        byte[] got = new byte[4];
        for (int k = 0; k < 4; k++) {
          got[k] = buf.get(4 + k);
        }
        throw invalid(
            "file identifier is "
                + printable(got)
                + ", expected \""
                + identifier
                + "\" (not an ONNX Runtime adapter file)");
      }
    }
    return table(offsetAt(0, "root table offset"), "root table");
  }

  private static String printable(byte[] b) {
    StringBuilder s = new StringBuilder("\"");
    for (byte c : b) {
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02x", c & 0xff));
      }
    }
    return s.append('"').toString();
  }

  /** The target of the unsigned 32-bit offset stored at {@code pos} (relative to {@code pos}). */
  public int offsetAt(int pos, String what) throws InvalidAdapterException {
    need(pos, 4, what);
    long target = pos + Integer.toUnsignedLong(buf.getInt(pos));
    need(target, 0, what + " target");
    return (int) target;
  }

  /**
   * Checks the table at {@code pos}: its vtable offset, the vtable (even size of at least 4 bytes,
   * inside the buffer) and the table's inline size (at least its 4-byte vtable offset, inside the
   * buffer). Returns {@code pos}.
   */
  public int table(int pos, String what) throws InvalidAdapterException {
    need(pos, 4, what);
    long vt = (long) pos - buf.getInt(pos);
    need(vt, 4, what + " vtable");
    int vtSize = buf.getShort((int) vt) & 0xffff;
    int inline = buf.getShort((int) vt + 2) & 0xffff;
    if (vtSize < 4 || (vtSize & 1) != 0) {
      throw invalid(
          what
              + " vtable at offset "
              + vt
              + " has size "
              + vtSize
              + ", expected an even size >= 4");
    }
    need(vt, vtSize, what + " vtable");
    if (inline < 4) {
      throw invalid(
          what + " at offset " + pos + " has inline size " + inline + ", expected at least 4");
    }
    need(pos, inline, what);
    return pos;
  }

  /**
   * The position of field {@code index} (0-based, in schema order) of the checked table at {@code
   * table}, or -1 when the field is absent; a present field must fit {@code width} bytes inside the
   * table.
   */
  public int field(int table, int index, int width, String what) throws InvalidAdapterException {
    int vt = table - buf.getInt(table);
    int vtSize = buf.getShort(vt) & 0xffff;
    int slot = 4 + 2 * index;
    if (slot + 2 > vtSize) {
      return -1;
    }
    int off = buf.getShort(vt + slot) & 0xffff;
    if (off == 0) {
      return -1;
    }
    int inline = buf.getShort(vt + 2) & 0xffff;
    if (off < 4 || off + width > inline) {
      throw invalid(
          what
              + " lies at "
              + off
              + ".."
              + (off + width)
              + " of its table at offset "
              + table
              + ", whose inline size is "
              + inline
              + " bytes");
    }
    return table + off;
  }

  /** The int32 field {@code index} of the table at {@code table}, or {@code def} when absent. */
  public int intField(int table, int index, int def, String what) throws InvalidAdapterException {
    int p = field(table, index, 4, what);
    return p < 0 ? def : buf.getInt(p);
  }

  /** The target of offset field {@code index} of the table at {@code table}, or -1 when absent. */
  public int offsetField(int table, int index, String what) throws InvalidAdapterException {
    int p = field(table, index, 4, what);
    return p < 0 ? -1 : offsetAt(p, what);
  }

  /**
   * The length of the vector at {@code pos} whose elements take {@code width} bytes each, after
   * checking that the length prefix and every element lie inside the buffer. The elements start at
   * {@code pos + 4}.
   */
  public int vectorLength(int pos, int width, String what) throws InvalidAdapterException {
    need(pos, 4, what + " length");
    long n = Integer.toUnsignedLong(buf.getInt(pos));
    if (n * width > size - pos - 4) {
      throw invalid(
          what
              + " at offset "
              + pos
              + " declares "
              + n
              + " elements of "
              + width
              + " bytes, the buffer holds "
              + (size - pos - 4)
              + " bytes after its length");
    }
    return (int) n;
  }

  /** The string at {@code pos}: length-prefixed, zero-terminated, strict UTF-8. */
  public String string(int pos, String what) throws InvalidAdapterException {
    int n = vectorLength(pos, 1, what);
    need(pos + 4L + n, 1, what + " terminating zero");
    if (buf.get(pos + 4 + n) != 0) {
      throw invalid(what + " at offset " + pos + " is not terminated by a zero byte");
    }
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer c = d.decode(buf.slice(pos + 4, n));
      return c.toString();
    } catch (CharacterCodingException e) {
      throw invalid(what + " at offset " + pos + " is not valid UTF-8");
    }
  }

  /** The little-endian buffer, for reading checked positions (absolute indices only). */
  public ByteBuffer buffer() {
    return buf;
  }
}
