package dev.stapes.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.models.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmInterruptTest {

  /** Fetches one npm model with the npm given as the first argument; run in a child JVM. */
  public static void main(String[] args) throws Exception {
    ModelStore store = new ModelStore(Path.of(args[1]), null, args[0]);
    store.path(ModelCatalog.get("oww-alexa"));
  }

  @Test
  void stoppingTheProcessDuringAFetchKillsNpmAndRemovesItsTemporaryDirectory(@TempDir Path dir)
      throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")) && Files.isExecutable(Path.of("/bin/sleep")));
    Path pidFile = dir.resolve("npm.pid");
    Path npm = dir.resolve("fake-npm");
    Files.writeString(npm, "#!/bin/sh\necho $$ > '" + pidFile + "'\nexec /bin/sleep 120\n");
    npm.toFile().setExecutable(true);
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Djava.io.tmpdir=" + tmp,
                    "-cp",
                    System.getProperty("java.class.path"),
                    NpmInterruptTest.class.getName(),
                    npm.toString(),
                    dir.resolve("cache").toString()))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!(Files.exists(pidFile) && Files.size(pidFile) > 0) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(
          Files.exists(pidFile),
          "npm never started: " + Files.readString(dir.resolve("child.log")));
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      try (var s = Files.list(tmp)) {
        assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("stapes-npm-")));
      }
      child.destroy(); // SIGTERM, as Ctrl-C does: shutdown hooks run
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child JVM did not exit");
      boolean alive = true;
      for (int i = 0; i < 100 && alive; i++) {
        alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (alive) {
          Thread.sleep(50);
        }
      }
      assertFalse(alive, "npm (pid " + pid + ") was orphaned");
      try (var s = Files.list(tmp)) {
        assertFalse(
            s.anyMatch(p -> p.getFileName().toString().startsWith("stapes-npm-")),
            "the temporary directory was left");
      }
    } finally {
      child.destroyForcibly();
      if (Files.exists(pidFile) && Files.size(pidFile) > 0) {
        ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
