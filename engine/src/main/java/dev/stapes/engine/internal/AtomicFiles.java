package dev.stapes.engine.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The engine's one atomic file replace (written for {@code .npy}, shared by every engine writer).
 * Thread-safe: no shared state; concurrent writers of one file each rename a complete file over it.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** {@code e} restated as one line that names {@code file} (not the temporary file). */
  private static FileSystemException cannotWrite(Path file, IOException e) {
    String reason;
    if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof NoSuchFileException) {
      reason = "no such file or directory";
    } else if (e instanceof FileSystemException f) {
      reason = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
    } else {
      reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    FileSystemException out =
        new FileSystemException(file.toString(), null, "cannot write: " + reason);
    out.initCause(e);
    return out;
  }

  /** What {@link #write} writes. */
  public interface Body {
    /** Writes the whole content to {@code out} (buffered; closed by the caller). */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code body} to {@code file}, replacing it atomically: the bytes go to a temporary file
   * beside it that is renamed over {@code file} once complete, so a failed write (a full disk, an
   * interrupted run) leaves neither a partial file nor a damaged older one. A {@code file} that
   * exists and is not a regular file (a device such as {@code /dev/null}) is written directly.
   *
   * @throws FileSystemException naming {@code file} if it is a directory, its directory does not
   *     exist or it cannot be written
   */
  public static void write(Path file, Body body) throws IOException {
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "is a directory, expected a file");
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      try (OutputStream out = Files.newOutputStream(file)) {
        body.writeTo(out);
      } catch (IOException e) {
        throw cannotWrite(file, e);
      }
      return;
    }
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          file.toString(), null, "directory " + dir + " does not exist or is not a directory");
    }
    Path tmp =
        dir.resolve(
            "."
                + abs.getFileName()
                + "."
                + ProcessHandle.current().pid()
                + "-"
                + System.nanoTime()
                + ".part");
    boolean done = false;
    try {
      try (OutputStream out =
          new BufferedOutputStream(
              Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              1 << 16)) {
        body.writeTo(out);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      done = true;
    } catch (IOException e) {
      throw cannotWrite(file, e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; that error is the one to report
        }
      }
    }
  }
}
