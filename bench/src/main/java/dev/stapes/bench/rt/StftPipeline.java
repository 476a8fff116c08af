package dev.stapes.bench.rt;

import dev.stapes.audio.StftConfig;
import dev.stapes.audio.StreamingStft;
import dev.stapes.audio.Window;

/**
 * Stapes' streaming STFT alone at 16 kHz (400-sample Hann window in a 512-point frame, hop 160):
 * each chunk is pushed, every frame that becomes ready is read and popped.
 */
final class StftPipeline implements ChunkPipeline {
  private final int chunk;
  private final StreamingStft stft;
  private final float[] frame;
  private double sum;

  StftPipeline(int chunkSamples) {
    this.chunk = chunkSamples;
    this.stft =
        new StreamingStft(
            StftConfig.builder()
                .nFft(512)
                .win(400)
                .hop(160)
                .window(Window.HANN_PERIODIC)
                .center(false)
                .build());
    this.frame = new float[stft.frameLength()];
  }

  @Override
  public String name() {
    return "stft";
  }

  @Override
  public int sampleRate() {
    return 16000;
  }

  @Override
  public int chunkSamples() {
    return chunk;
  }

  @Override
  public void process(float[] c) {
    stft.acceptWaveform(c, 0, chunk);
    long ready = stft.numFramesReady();
    for (long f = stft.firstFrameAvailable(); f < ready; f++) {
      stft.getFrame(f, frame);
      sum += frame[2];
    }
    stft.pop(ready - stft.firstFrameAvailable());
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {}
}
