package dev.stapes.models.wakeword;

/** Placeholder until the audio frontend's oww-mel preset lands. */
final class StapesMelFrontend implements MelFrontend {
  StapesMelFrontend() {
    throw new UnsupportedOperationException("the oww-mel preset is not available yet");
  }

  @Override
  public int process(float[] samples, int offset, float[] dst) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void reset() {}

  @Override
  public void close() {}
}
