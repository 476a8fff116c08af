package dev.stapes.models.live;

/**
 * What a {@link LivePipeline} reports, on the thread that feeds it. Sample positions count 16 kHz
 * samples from the start of the stream.
 */
public interface ListenerEvents {

  /** Speech began at {@code startSample} (padded; reported once the segment is certain). */
  void speechStart(long startSample);

  /** A speech segment {@code [startSample, endSample)} is complete. */
  void speechEnd(long startSample, long endSample);

  /** Wake word {@code keyword} reached the threshold in the chunk ending at {@code endSample}. */
  void wakeWord(String keyword, long endSample, float score);
}
