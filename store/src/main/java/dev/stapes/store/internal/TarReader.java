package dev.stapes.store.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal streaming reader of POSIX tar archives (ustar, with GNU long names and pax {@code path}
 * records), enough for npm package tarballs. Only regular files are reported; directories, links
 * and other entry types are skipped. Entry names that are absolute or contain a {@code ..}
 * component are refused with an {@link IOException}: nothing is ever written outside the caller's
 * choice of place.
 *
 * <p>Not thread-safe: one thread reads one archive.
 */
public final class TarReader {

  private static final int BLOCK = 512;

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private long remaining; // bytes of the current entry's data not yet consumed
  private long padding; // padding bytes after the current entry's data
  private String name;
  private long size;
  private final EntryStream entryStream = new EntryStream();

  /** Reads the archive from {@code in} (already decompressed). */
  public TarReader(InputStream in) {
    this.in = in;
  }

  /**
   * Advances to the next regular file and returns its normalised name, or {@code null} at the end
   * of the archive.
   *
   * @throws IOException on a truncated or malformed archive or an unsafe entry name
   */
  public String next() throws IOException {
    skipFully(remaining + padding);
    remaining = 0;
    padding = 0;
    String longName = null;
    while (true) {
      if (!readBlock(header)) {
        return null;
      }
      if (isZero(header)) {
        return null;
      }
      verifyChecksum(header);
      long entrySize = parseOctal(header, 124, 12, "size");
      char type = (char) header[156];
      long pad = (BLOCK - entrySize % BLOCK) % BLOCK;
      if (type == 'L' || type == 'x') {
        if (entrySize > 1 << 20) {
          throw new IOException(
              "tar: extended header of " + entrySize + " bytes, expected <= 1 MiB");
        }
        byte[] data = readExactly((int) entrySize);
        skipFully(pad);
        if (type == 'L') {
          longName = cString(data, 0, data.length);
        } else {
          String p = paxPath(data);
          if (p != null) {
            longName = p;
          }
        }
        continue;
      }
      String entryName;
      if (longName != null) {
        entryName = longName;
      } else {
        entryName = cString(header, 0, 100);
        String magic = cString(header, 257, 6);
        if (magic.startsWith("ustar")) {
          String prefix = cString(header, 345, 155);
          if (!prefix.isEmpty()) {
            entryName = prefix + "/" + entryName;
          }
        }
      }
      longName = null;
      remaining = entrySize;
      padding = pad;
      if (type == '0' || type == '\0' || type == '7') {
        name = safeName(entryName);
        size = entrySize;
        return name;
      }
      // directories, links, devices: skip their data (normally none)
      skipFully(remaining + padding);
      remaining = 0;
      padding = 0;
    }
  }

  /** The size in bytes of the current entry. */
  public long size() {
    return size;
  }

  /**
   * The data of the current entry; reading past its end returns -1. Closing it does not close the
   * archive.
   */
  public InputStream stream() {
    return entryStream;
  }

  /**
   * Checks that an entry name is relative and has no {@code ..} component, and returns it without a
   * leading {@code ./} and with no empty components.
   */
  static String safeName(String raw) throws IOException {
    if (raw.isEmpty() || raw.startsWith("/") || raw.contains("\\") || raw.indexOf('\0') >= 0) {
      throw new IOException("tar: refusing unsafe entry name '" + raw + "'");
    }
    StringBuilder sb = new StringBuilder();
    for (String part : raw.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new IOException("tar: refusing entry name with '..': '" + raw + "'");
      }
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    if (sb.length() == 0) {
      throw new IOException("tar: refusing unsafe entry name '" + raw + "'");
    }
    return sb.toString();
  }

  private static String paxPath(byte[] data) throws IOException {
    String s = new String(data, StandardCharsets.UTF_8);
    int i = 0;
    String path = null;
    while (i < s.length()) {
      int sp = s.indexOf(' ', i);
      if (sp < 0) {
        throw new IOException("tar: malformed pax header");
      }
      int len;
      try {
        len = Integer.parseInt(s.substring(i, sp));
      } catch (NumberFormatException e) {
        throw new IOException("tar: malformed pax header length '" + s.substring(i, sp) + "'");
      }
      // the length counts bytes; the records npm writes are ASCII, so chars == bytes here
      if (len <= sp - i || i + len > s.length()) {
        throw new IOException("tar: malformed pax header record length " + len);
      }
      String rec = s.substring(sp + 1, i + len - 1);
      int eq = rec.indexOf('=');
      if (eq > 0 && rec.substring(0, eq).equals("path")) {
        path = rec.substring(eq + 1);
      }
      i += len;
    }
    return path;
  }

  private static void verifyChecksum(byte[] h) throws IOException {
    long stored = parseOctal(h, 148, 8, "checksum");
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (sum != stored) {
      throw new IOException(
          "tar: header checksum " + stored + " does not match computed " + sum + " (corrupt file)");
    }
  }

  private static long parseOctal(byte[] b, int off, int len, String field) throws IOException {
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (b[i] == ' ' || b[i] == 0)) {
      i++;
    }
    if ((b[off] & 0x80) != 0) {
      throw new IOException("tar: base-256 " + field + " not supported");
    }
    for (; i < end; i++) {
      byte c = b[i];
      if (c == 0 || c == ' ') {
        break;
      }
      if (c < '0' || c > '7') {
        throw new IOException("tar: bad octal digit in header field " + field + " (corrupt file)");
      }
      v = v * 8 + (c - '0');
    }
    return v;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private boolean readBlock(byte[] b) throws IOException {
    int n = 0;
    while (n < b.length) {
      int r = in.read(b, n, b.length - n);
      if (r < 0) {
        if (n == 0) {
          return false;
        }
        throw new EOFException("tar: truncated header (" + n + " of 512 bytes)");
      }
      n += r;
    }
    return true;
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] b = new byte[n];
    int off = 0;
    while (off < n) {
      int r = in.read(b, off, n - off);
      if (r < 0) {
        throw new EOFException("tar: truncated entry");
      }
      off += r;
    }
    return b;
  }

  private void skipFully(long n) throws IOException {
    byte[] buf = null;
    while (n > 0) {
      long s = in.skip(n);
      if (s <= 0) {
        if (buf == null) {
          buf = new byte[8192];
        }
        int r = in.read(buf, 0, (int) Math.min(buf.length, n));
        if (r < 0) {
          throw new EOFException("tar: truncated entry data");
        }
        s = r;
      }
      n -= s;
    }
  }

  private final class EntryStream extends InputStream {
    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("tar: truncated entry data");
      }
      remaining--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int r = in.read(b, off, (int) Math.min(len, remaining));
      if (r < 0) {
        throw new EOFException("tar: truncated entry data");
      }
      remaining -= r;
      return r;
    }

    @Override
    public void close() {}
  }
}
