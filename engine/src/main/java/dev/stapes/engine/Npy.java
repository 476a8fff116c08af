package dev.stapes.engine;

import dev.stapes.engine.internal.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes NumPy {@code .npy} files.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, little- and big-endian data (big-endian is
 * swapped to little-endian on read), C order, and the element types of {@link NpyDType}. Fortran
 * order, structured and object dtypes are refused with an {@link NpyFormatException}. The header is
 * checked against the file size before any data buffer is allocated: a header that declares more
 * bytes than the file holds, a negative or overflowing shape, or trailing bytes after the data are
 * refused, so a hostile file cannot make the reader allocate more than the file's size.
 *
 * <p>Writing produces version 1.0 (2.0 when the header exceeds 65535 bytes), little-endian, C
 * order, with the header padded so that the data starts at a multiple of 64 bytes, as NumPy does.
 *
 * <p>All methods are thread-safe (no shared state).
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** Largest header accepted on read, in bytes (NumPy itself refuses over 10000 by default). */
  public static final int MAX_HEADER_BYTES = 1 << 20;

  /** Largest data section accepted, in bytes (one Java buffer). */
  public static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 64;

  private Npy() {}

  /** Thrown for a file that is not a well-formed {@code .npy} file Stapes can read. */
  public static final class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A format error described by {@code message}. */
    public NpyFormatException(String message) {
      super(message);
    }
  }

  /**
   * Reads the array in {@code file}.
   *
   * @throws NoSuchFileException when the file does not exist
   * @throws NpyFormatException naming the file and the problem when it is malformed or unsupported
   */
  public static NpyArray read(Path file) throws IOException {
    requireRegularFile(file, "a .npy file");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      ByteBuffer pre =
          ByteBuffer.allocate((int) Math.min(12, fileSize)).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, pre, file);
      pre.flip();
      Header h = parsePreamble(pre, fileSize, file.toString());
      ByteBuffer headerBytes = ByteBuffer.allocate(h.headerLength);
      ch.position(h.headerStart);
      readFully(ch, headerBytes, file);
      headerBytes.flip();
      parseHeader(h, headerBytes, file.toString());
      long dataBytes = checkSizes(h, fileSize, file.toString());
      ByteBuffer data = ByteBuffer.allocate((int) dataBytes);
      ch.position(h.dataStart());
      readFully(ch, data, file);
      data.flip();
      return finish(h, data);
    }
  }

  /**
   * Refuses a path that is not a regular file before opening it: opening a named pipe would block
   * until something writes to it, and a directory or device is never a tensor file.
   */
  static void requireRegularFile(Path file, String expected) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "file not found");
    }
    if (!Files.isRegularFile(file)) {
      throw new FileSystemException(
          file.toString(),
          null,
          "not a regular file (a directory, pipe or device), expected " + expected);
    }
  }

  /**
   * Reads an array from the bytes of a {@code .npy} file, {@code source} naming it in messages.
   *
   * @throws NpyFormatException when the bytes are malformed or unsupported
   */
  public static NpyArray read(byte[] bytes, String source) throws NpyFormatException {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    Header h = parsePreamble(b.duplicate().order(ByteOrder.LITTLE_ENDIAN), bytes.length, source);
    ByteBuffer hb = b.duplicate();
    hb.position((int) h.headerStart).limit((int) (h.headerStart + h.headerLength));
    parseHeader(h, hb.slice(), source);
    long dataBytes = checkSizes(h, bytes.length, source);
    ByteBuffer data = ByteBuffer.allocate((int) dataBytes);
    data.put(bytes, (int) h.dataStart(), (int) dataBytes).flip();
    return finish(h, data);
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, Path file) throws IOException {
    while (dst.hasRemaining()) {
      if (ch.read(dst) < 0) {
        throw new NpyFormatException(file + ": unexpected end of file");
      }
    }
  }

  /** What the preamble and header say. */
  private static final class Header {
    int major;
    long headerStart;
    int headerLength;
    NpyDType dtype;
    boolean bigEndian;
    long[] shape;

    long dataStart() {
      return headerStart + headerLength;
    }
  }

  private static Header parsePreamble(ByteBuffer pre, long fileSize, String src)
      throws NpyFormatException {
    if (pre.remaining() < 10) {
      throw new NpyFormatException(
          src + ": not a .npy file (" + fileSize + " bytes, shorter than the 10-byte preamble)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (pre.get(i) != MAGIC[i]) {
        throw new NpyFormatException(src + ": not a .npy file (no \\x93NUMPY magic)");
      }
    }
    Header h = new Header();
    h.major = pre.get(6) & 0xff;
    int minor = pre.get(7) & 0xff;
    long len;
    if (h.major == 1) {
      len = pre.getShort(8) & 0xffff;
      h.headerStart = 10;
    } else if (h.major == 2 || h.major == 3) {
      if (pre.remaining() < 12) {
        throw new NpyFormatException(src + ": truncated .npy preamble");
      }
      len = pre.getInt(8) & 0xffffffffL;
      h.headerStart = 12;
    } else {
      throw new NpyFormatException(
          src + ": .npy format version " + h.major + "." + minor + ", expected 1.0, 2.0 or 3.0");
    }
    if (len > MAX_HEADER_BYTES || h.headerStart + len > fileSize) {
      throw new NpyFormatException(
          src
              + ": header length "
              + len
              + " bytes exceeds the file ("
              + fileSize
              + " bytes) or the limit of "
              + MAX_HEADER_BYTES
              + " bytes");
    }
    h.headerLength = (int) len;
    return h;
  }

  private static void parseHeader(Header h, ByteBuffer bytes, String src)
      throws NpyFormatException {
    byte[] raw = new byte[bytes.remaining()];
    bytes.get(raw);
    String text =
        new String(raw, h.major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    HeaderParser p = new HeaderParser(text, src);
    String descr = null;
    Boolean fortran = null;
    long[] shape = null;
    p.expect('{');
    while (true) {
      p.skipSpace();
      if (p.peek() == '}') {
        p.pos++;
        break;
      }
      String key = p.string();
      p.expect(':');
      switch (key) {
        case "descr":
          p.skipSpace();
          if (p.peek() != '\'' && p.peek() != '"') {
            throw new NpyFormatException(
                src + ": structured dtypes are not supported (descr is not a plain type string)");
          }
          descr = p.string();
          break;
        case "fortran_order":
          fortran = p.bool();
          break;
        case "shape":
          shape = p.tuple();
          break;
        default:
          throw new NpyFormatException(
              src + ": unexpected header key '" + key + "', expected descr, fortran_order, shape");
      }
      p.skipSpace();
      if (p.peek() == ',') {
        p.pos++;
      }
    }
    p.skipSpace();
    if (p.pos != text.length()) {
      throw new NpyFormatException(src + ": garbage after the header dictionary");
    }
    if (descr == null || fortran == null || shape == null) {
      throw new NpyFormatException(
          src + ": header lacks one of descr, fortran_order, shape: " + text.trim());
    }
    if (fortran) {
      throw new NpyFormatException(
          src
              + ": Fortran-order arrays are not supported (fortran_order=True);"
              + " save a C-order copy, e.g. np.save(f, np.ascontiguousarray(a))");
    }
    parseDescr(h, descr, src);
    h.shape = shape;
  }

  private static void parseDescr(Header h, String descr, String src) throws NpyFormatException {
    if (descr.length() < 2) {
      throw unsupportedDescr(descr, src);
    }
    char order = descr.charAt(0);
    String code = descr.substring(1);
    if (order != '<' && order != '>' && order != '|' && order != '=') {
      order = '=';
      code = descr;
    }
    if (code.equals("?")) {
      code = "b1";
    }
    NpyDType t = null;
    for (NpyDType d : NpyDType.values()) {
      if (d.code().equals(code)) {
        t = d;
      }
    }
    if (t == null) {
      throw unsupportedDescr(descr, src);
    }
    h.dtype = t;
    h.bigEndian = order == '>' && t.size() > 1;
  }

  private static NpyFormatException unsupportedDescr(String descr, String src) {
    return new NpyFormatException(
        src
            + ": dtype '"
            + descr
            + "' is not supported, expected one of [f2, f4, f8, i1, i2, i4, i8, u1, u2, u4, u8,"
            + " b1] with byte order <, > or |");
  }

  private static long checkSizes(Header h, long fileSize, String src) throws NpyFormatException {
    long bytes;
    try {
      bytes = NpyArray.byteCount(h.dtype, h.shape);
    } catch (IllegalArgumentException e) {
      throw new NpyFormatException(src + ": " + e.getMessage());
    }
    long available = fileSize - h.dataStart();
    if (bytes > available) {
      throw new NpyFormatException(
          src
              + ": shape "
              + java.util.Arrays.toString(h.shape)
              + " of "
              + h.dtype.code()
              + " needs "
              + bytes
              + " data bytes, the file holds "
              + available);
    }
    if (bytes < available) {
      throw new NpyFormatException(
          src
              + ": "
              + (available - bytes)
              + " trailing bytes after the data (expected "
              + bytes
              + ")");
    }
    if (bytes > MAX_DATA_BYTES) {
      throw new NpyFormatException(
          src + ": data of " + bytes + " bytes exceeds the limit of " + MAX_DATA_BYTES);
    }
    return bytes;
  }

  private static NpyArray finish(Header h, ByteBuffer data) {
    if (h.bigEndian) {
      swap(data, h.dtype.size());
    }
    return new NpyArray(h.dtype, h.shape, data.order(ByteOrder.LITTLE_ENDIAN));
  }

  private static void swap(ByteBuffer b, int size) {
    int n = b.limit();
    for (int i = 0; i < n; i += size) {
      for (int j = 0; j < size / 2; j++) {
        byte t = b.get(i + j);
        b.put(i + j, b.get(i + size - 1 - j));
        b.put(i + size - 1 - j, t);
      }
    }
  }

  /** A minimal reader for the Python literal of a .npy header. */
  private static final class HeaderParser {
    final String s;
    final String src;
    int pos;

    HeaderParser(String s, String src) {
      this.s = s;
      this.src = src;
    }

    char peek() throws NpyFormatException {
      if (pos >= s.length()) {
        throw new NpyFormatException(src + ": header ends early: " + s.trim());
      }
      return s.charAt(pos);
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    void expect(char c) throws NpyFormatException {
      skipSpace();
      if (peek() != c) {
        throw new NpyFormatException(
            src + ": malformed header at offset " + pos + " (expected '" + c + "'): " + s.trim());
      }
      pos++;
    }

    String string() throws NpyFormatException {
      skipSpace();
      char q = peek();
      if (q != '\'' && q != '"') {
        throw new NpyFormatException(
            src + ": malformed header at offset " + pos + " (expected a string): " + s.trim());
      }
      int end = s.indexOf(q, pos + 1);
      if (end < 0) {
        throw new NpyFormatException(src + ": unterminated string in header");
      }
      String v = s.substring(pos + 1, end);
      pos = end + 1;
      return v;
    }

    boolean bool() throws NpyFormatException {
      skipSpace();
      if (s.startsWith("True", pos)) {
        pos += 4;
        return true;
      }
      if (s.startsWith("False", pos)) {
        pos += 5;
        return false;
      }
      throw new NpyFormatException(src + ": fortran_order must be True or False: " + s.trim());
    }

    long[] tuple() throws NpyFormatException {
      expect('(');
      List<Long> dims = new ArrayList<>();
      while (true) {
        skipSpace();
        if (peek() == ')') {
          pos++;
          break;
        }
        int start = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
          pos++;
        }
        if (start == pos) {
          throw new NpyFormatException(
              src + ": shape must be a tuple of non-negative integers: " + s.trim());
        }
        String digits = s.substring(start, pos);
        if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
          pos++;
        }
        if (digits.length() > 18) {
          throw new NpyFormatException(src + ": shape dimension " + digits + " is too large");
        }
        dims.add(Long.parseLong(digits));
        if (dims.size() > 64) {
          throw new NpyFormatException(src + ": more than 64 dimensions");
        }
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != ')') {
          throw new NpyFormatException(src + ": malformed shape tuple: " + s.trim());
        }
      }
      long[] out = new long[dims.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = dims.get(i);
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * Writes {@code array} to {@code file}, replacing it atomically: the bytes go to a temporary file
   * beside it that is renamed over {@code file} once complete, so a failed write (a full disk, an
   * interrupted run) leaves neither a partial file nor a damaged older one. A {@code file} that
   * exists and is not a regular file (a device such as {@code /dev/null}) is written directly.
   *
   * @throws FileSystemException naming {@code file} if it is a directory, its directory does not
   *     exist or it cannot be written
   */
  public static void write(Path file, NpyArray array) throws IOException {
    AtomicFiles.write(file, out -> write(out, array));
  }

  /** Writes {@code array} in .npy format to {@code out} (not closed). */
  public static void write(OutputStream out, NpyArray array) throws IOException {
    out.write(header(array.dtype(), array.shape()));
    ByteBuffer d = array.data();
    if (d.hasArray()) {
      out.write(d.array(), d.arrayOffset() + d.position(), d.remaining());
    } else {
      byte[] chunk = new byte[Math.min(d.remaining(), 1 << 16)];
      while (d.hasRemaining()) {
        int n = Math.min(chunk.length, d.remaining());
        d.get(chunk, 0, n);
        out.write(chunk, 0, n);
      }
    }
  }

  /** The bytes of a .npy file holding {@code array}. */
  public static byte[] toBytes(NpyArray array) {
    byte[] head = header(array.dtype(), array.shape());
    ByteBuffer d = array.data();
    byte[] out = new byte[Math.addExact(head.length, d.remaining())];
    System.arraycopy(head, 0, out, 0, head.length);
    d.get(out, head.length, d.remaining());
    return out;
  }

  /** Writes float32 {@code data} of {@code shape} (a 1-d array when no shape is given). */
  public static void writeFloat32(Path file, float[] data, long... shape) throws IOException {
    write(file, NpyArray.ofFloat32(data, shape.length == 0 ? new long[] {data.length} : shape));
  }

  /** Writes float64 {@code data} of {@code shape} (a 1-d array when no shape is given). */
  public static void writeFloat64(Path file, double[] data, long... shape) throws IOException {
    write(file, NpyArray.ofFloat64(data, shape.length == 0 ? new long[] {data.length} : shape));
  }

  /** Writes int64 {@code data} of {@code shape} (a 1-d array when no shape is given). */
  public static void writeInt64(Path file, long[] data, long... shape) throws IOException {
    write(file, NpyArray.ofInt64(data, shape.length == 0 ? new long[] {data.length} : shape));
  }

  /**
   * Writes strings as a NumPy unicode array ({@code <U n}, n the longest string in code points,
   * UTF-32LE), which {@code np.load} reads as {@code str}.
   */
  public static void writeStrings(Path file, String[] values, long... shape) throws IOException {
    long[] s = shape.length == 0 ? new long[] {values.length} : shape;
    if (NpyArray.elementCount(s) != values.length) {
      throw new IllegalArgumentException(
          "values.length="
              + values.length
              + ", expected "
              + NpyArray.elementCount(s)
              + " for shape "
              + java.util.Arrays.toString(s));
    }
    int width = 1;
    for (String v : values) {
      width = Math.max(width, v.codePointCount(0, v.length()));
    }
    ByteBuffer data =
        ByteBuffer.allocate(Math.multiplyExact(Math.multiplyExact(values.length, width), 4))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (String v : values) {
      int start = data.position();
      v.codePoints().forEach(data::putInt);
      data.position(start + 4 * width);
    }
    byte[] head = header("<U" + width, s);
    AtomicFiles.write(
        file,
        out -> {
          out.write(head);
          out.write(data.array());
        });
  }

  static byte[] header(NpyDType dtype, long[] shape) {
    return header(dtype.descr(), shape);
  }

  static byte[] header(String descr, long[] shape) {
    StringBuilder sb = new StringBuilder();
    sb.append("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      sb.append(shape[i]);
      if (shape.length == 1 || i < shape.length - 1) {
        sb.append(',');
      }
      if (i < shape.length - 1) {
        sb.append(' ');
      }
    }
    sb.append("), }");
    byte[] dict = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    int pre = 10;
    int major = 1;
    int total = pad(pre + dict.length + 1);
    if (total - pre > 0xffff) {
      pre = 12;
      major = 2;
      total = pad(pre + dict.length + 1);
    }
    int headerLen = total - pre;
    ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) major).put((byte) 0);
    if (major == 1) {
      b.putShort((short) headerLen);
    } else {
      b.putInt(headerLen);
    }
    b.put(dict);
    while (b.position() < total - 1) {
      b.put((byte) ' ');
    }
    b.put((byte) '\n');
    return b.array();
  }

  private static int pad(int n) {
    return (n + 63) / 64 * 64;
  }
}
