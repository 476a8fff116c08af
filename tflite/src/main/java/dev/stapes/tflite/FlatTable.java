package dev.stapes.tflite;

import com.google.flatbuffers.Table;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One flatbuffer table, read by field number (the order in which the schema declares the field,
 * counted from 0; a union takes two numbers, its type and its value). Unset fields read as the
 * default the caller passes, as flatbuffers specifies.
 */
final class FlatTable extends Table {

  private FlatTable(int position, ByteBuffer buffer) {
    __reset(position, buffer);
  }

  /** The root table of a flatbuffer. */
  static FlatTable root(ByteBuffer buffer) {
    ByteBuffer bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    return new FlatTable(bb.getInt(bb.position()) + bb.position(), bb);
  }

  /** Whether the buffer carries the 4-byte file identifier after the root offset. */
  static boolean hasIdentifier(ByteBuffer buffer, String identifier) {
    ByteBuffer bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    return __has_identifier(bb, identifier);
  }

  private static int slot(int field) {
    return 4 + 2 * field;
  }

  boolean has(int field) {
    return __offset(slot(field)) != 0;
  }

  int int32(int field, int defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : bb.getInt(bb_pos + o);
  }

  long uint32(int field, long defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : Integer.toUnsignedLong(bb.getInt(bb_pos + o));
  }

  long int64(int field, long defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : bb.getLong(bb_pos + o);
  }

  int int8(int field, int defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : bb.get(bb_pos + o);
  }

  int uint8(int field, int defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : bb.get(bb_pos + o) & 0xff;
  }

  boolean bool(int field, boolean defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : bb.get(bb_pos + o) != 0;
  }

  float float32(int field, float defaultValue) {
    int o = __offset(slot(field));
    return o == 0 ? defaultValue : bb.getFloat(bb_pos + o);
  }

  String string(int field) {
    int o = __offset(slot(field));
    return o == 0 ? null : __string(bb_pos + o);
  }

  /** A sub-table, or null when unset. */
  FlatTable table(int field) {
    int o = __offset(slot(field));
    return o == 0 ? null : new FlatTable(__indirect(bb_pos + o), bb);
  }

  /** Number of elements of a vector field, 0 when unset. */
  int length(int field) {
    int o = __offset(slot(field));
    if (o == 0) {
      return 0;
    }
    int n = __vector_len(o);
    int start = __vector(o);
    // Every element takes at least one byte: a longer vector runs past the end of the buffer.
    if (n < 0 || start < 0 || (long) start + n > bb.limit()) {
      throw new IndexOutOfBoundsException(
          "vector of "
              + n
              + " elements at byte "
              + start
              + " exceeds the buffer ("
              + bb.limit()
              + ")");
    }
    return n;
  }

  /** Element {@code i} of a vector of tables. */
  FlatTable tableAt(int field, int i) {
    int o = __offset(slot(field));
    return new FlatTable(__indirect(__vector(o) + 4 * i), bb);
  }

  /** A vector of int32 as an array; empty when unset. */
  int[] int32s(int field) {
    int n = length(field);
    checkBytes(field, n, 4);
    int[] out = new int[n];
    if (n > 0) {
      int start = __vector(__offset(slot(field)));
      for (int i = 0; i < n; i++) {
        out[i] = bb.getInt(start + 4 * i);
      }
    }
    return out;
  }

  /** A vector of float32 as an array; empty when unset. */
  float[] float32s(int field) {
    int n = length(field);
    checkBytes(field, n, 4);
    float[] out = new float[n];
    if (n > 0) {
      int start = __vector(__offset(slot(field)));
      for (int i = 0; i < n; i++) {
        out[i] = bb.getFloat(start + 4 * i);
      }
    }
    return out;
  }

  private void checkBytes(int field, int n, int elementSize) {
    if (n > 0 && (long) __vector(__offset(slot(field))) + (long) n * elementSize > bb.limit()) {
      throw new IndexOutOfBoundsException(
          "vector of "
              + n
              + " x "
              + elementSize
              + " bytes exceeds the buffer ("
              + bb.limit()
              + ")");
    }
  }

  /** A vector of bytes as a little-endian view (not a copy); empty when unset. */
  ByteBuffer bytes(int field) {
    int n = length(field);
    if (n == 0) {
      return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
    }
    int start = __vector(__offset(slot(field)));
    ByteBuffer view = bb.duplicate();
    view.position(start).limit(start + n);
    return view.slice().order(ByteOrder.LITTLE_ENDIAN);
  }
}
