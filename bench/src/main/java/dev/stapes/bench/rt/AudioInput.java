package dev.stapes.bench.rt;

import java.io.IOException;
import java.nio.file.Path;

/** Loads the harness's input audio as mono float samples at the pipeline's rate. */
public final class AudioInput {
  private AudioInput() {}

  /**
   * Reads {@code wav} and returns mono samples in [-1, 1] at {@code sampleRate}.
   *
   * @throws IOException when the file cannot be read or decoded
   */
  public static float[] load(Path wav, int sampleRate) throws IOException {
    return dev.stapes.audio.AudioFiles.readMono(wav, sampleRate);
  }
}
