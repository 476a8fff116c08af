package dev.stapes.store;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Test helper: whether an {@code npm} runs here. */
final class ModelStoreTestSupport {
  boolean npmAvailable() {
    try {
      Process p =
          new ProcessBuilder("npm", "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
