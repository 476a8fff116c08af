package dev.stapes.audio.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A forward-only byte reader over an input stream that counts its position and skips without
 * running past the end: skipping is done by seeking only where the total size is known (a file),
 * otherwise by reading, so that a chunk declaring 4 GiB costs no more than the bytes really there.
 * Not thread-safe.
 */
public final class RiffInput implements Closeable {
  private final InputStream in;
  private final long size;
  private final byte[] scratch = new byte[8192];
  private final byte[] back = new byte[64];
  private int backPos;
  private int backLen;
  private long position;

  /**
   * Wraps a stream.
   *
   * @param in the stream, positioned at the start of the file; closed by {@link #close()}
   * @param size the total size in bytes if known (then skips seek), or -1
   */
  public RiffInput(InputStream in, long size) {
    this.in = in;
    this.size = size;
  }

  /** Returns the number of bytes consumed so far. */
  public long position() {
    return position;
  }

  /** Returns the total size in bytes, or -1 if unknown. */
  public long size() {
    return size;
  }

  /** Returns the bytes left before the end if the size is known, else {@link Long#MAX_VALUE}. */
  public long remaining() {
    return size < 0 ? Long.MAX_VALUE : Math.max(0, size - position);
  }

  /**
   * Reads until {@code len} bytes are read or the stream ends.
   *
   * @return the number of bytes read, less than {@code len} only at the end of the stream
   */
  public int readFully(byte[] dst, int off, int len) throws IOException {
    int total = Math.min(len, backLen - backPos);
    if (total > 0) {
      System.arraycopy(back, backPos, dst, off, total);
      backPos += total;
    }
    while (total < len) {
      int n = in.read(dst, off + total, len - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    position += total;
    return total;
  }

  /**
   * Skips {@code n} bytes, or fewer where the stream ends first.
   *
   * @return the number of bytes skipped, less than {@code n} only at the end of the stream
   */
  public long skip(long n) throws IOException {
    long want = Math.min(n, remaining());
    long done = Math.min(want, backLen - backPos);
    backPos += (int) done;
    if (size >= 0) {
      // The size is known: seeking cannot run past the end, since want is clamped to it.
      while (done < want) {
        long k = in.skip(want - done);
        if (k <= 0) {
          break;
        }
        done += k;
      }
    }
    while (done < want) {
      int k = in.read(scratch, 0, (int) Math.min(scratch.length, want - done));
      if (k < 0) {
        break;
      }
      done += k;
    }
    position += done;
    return done;
  }

  /**
   * Pushes bytes just read back, so that the next reads return them again: for looking at a file's
   * first bytes before choosing its decoder. The bytes must be the last ones read.
   *
   * @throws IllegalStateException if more than 64 bytes would be pushed back
   */
  public void unread(byte[] src, int off, int len) {
    int left = backLen - backPos;
    if (left + len > back.length) {
      throw new IllegalStateException("unread of " + len + " bytes, at most " + back.length);
    }
    System.arraycopy(back, backPos, back, len, left);
    System.arraycopy(src, off, back, 0, len);
    backPos = 0;
    backLen = left + len;
    position -= len;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
