package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class StapesCliTest {

  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new OutOfMemoryError("Java heap space");
    }
  }

  @Command(name = "deep")
  static final class Deep implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new StackOverflowError();
    }
  }

  private static String[] run(String... args) {
    CommandLine cli = StapesCli.commandLine();
    cli.addSubcommand(new Boom());
    cli.addSubcommand(new Deep());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int code = StapesCli.execute(cli, args);
    return new String[] {Integer.toString(code), err.toString()};
  }

  @Test
  void versionReportsThePlatformAndTheNativeLibrary() {
    CommandLine cli = StapesCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    assertEquals(0, StapesCli.execute(cli, "--version"));
    String[] lines = out.toString().strip().split("\n");
    assertEquals(3, lines.length, out.toString());
    assertTrue(lines[0].startsWith("stapes "), lines[0]);
    assertTrue(lines[1].endsWith(" " + System.getProperty("os.arch")), lines[1]);
    assertEquals(
        "native: " + dev.stapes.nativert.RealTime.status().split(";")[0], lines[2].split(";")[0]);
  }

  @Test
  void anOutOfMemoryErrorInASubcommandIsOneLineWithoutAStackTrace() {
    String[] r = run("boom");
    assertEquals("1", r[0]);
    assertEquals(1, r[1].strip().lines().count(), r[1]);
    assertTrue(r[1].startsWith("stapes boom: out of memory (Java heap space"), r[1]);
    assertTrue(r[1].contains("STAPES_JAVA_OPTS=-Xmx"), r[1]);
    assertFalse(r[1].contains("\tat "), r[1]);
  }

  @Test
  void aStackOverflowInASubcommandIsOneLine() {
    String[] r = run("deep");
    assertEquals("1", r[0]);
    assertEquals("stapes deep: stack overflow; the input is nested too deeply", r[1].strip());
  }

  @Test
  void aVerboseRunStillPrintsTheStackTraceOfAJvmError() {
    String[] r = run("--verbose", "boom");
    assertEquals("1", r[0]);
    assertTrue(r[1].contains("\tat "), r[1]);
  }

  @Test
  void fileSystemExceptionsWithoutAReasonSayWhatWentWrong() {
    assertEquals(
        "nodir/x/o.npy: no such file or directory",
        StapesCli.message(new NoSuchFileException("nodir/x/o.npy")));
    assertEquals(
        "/proc/x.wav: permission denied",
        StapesCli.message(new AccessDeniedException("/proc/x.wav")));
    assertEquals(
        "a: file system error (FileSystemException)",
        StapesCli.message(new FileSystemException("a")));
    assertEquals(
        "a: file not found",
        StapesCli.message(new NoSuchFileException("a", null, "file not found")));
    assertEquals(
        "in.wav (no such WAV file)",
        StapesCli.message(new NoSuchFileException("in.wav (no such WAV file)")));
  }

  @Test
  void aMalformedTextFileIsNamedAsSuch() {
    String m = StapesCli.message(new MalformedInputException(1));
    assertTrue(m.startsWith("not valid UTF-8 text"), m);
    assertEquals(
        "x.json: oops: Input length = 1",
        StapesCli.message(new IOException("x.json: oops", new MalformedInputException(1))));
  }
}
