package dev.stapes.bench.rt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HarnessTest {

  private static final int RATE = 16000;

  /** A pipeline that sleeps a fixed time per chunk. */
  private static ChunkPipeline sleeping(int chunk, long sleepNs) {
    return new ChunkPipeline() {
      @Override
      public String name() {
        return "sleeping";
      }

      @Override
      public int sampleRate() {
        return RATE;
      }

      @Override
      public int chunkSamples() {
        return chunk;
      }

      @Override
      public void process(float[] c) {
        long end = System.nanoTime() + sleepNs;
        while (System.nanoTime() < end) {
          Thread.onSpinWait();
        }
      }

      @Override
      public double checksum() {
        return 0;
      }

      @Override
      public void close() {}
    };
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 160, 512, 1601})
  void everyWholeChunkOfTheInputIsRecordedOncePerPass(int chunk) {
    SyntheticPipeline p = new SyntheticPipeline(RATE, chunk, 8);
    float[] audio = TestSignal.generate(0.5, RATE);
    RtResult r = new Harness().run(p, audio, new HarnessOptions(3, 0, false, false));
    assertEquals(3L * (audio.length / chunk), r.chunks());
    assertEquals(1000.0 * chunk / RATE, r.chunkMs(), 1e-9);
    assertTrue(r.p50Us() > 0 && r.p50Us() <= r.p99Us() && r.p99Us() <= r.p999Us());
    assertTrue(r.p999Us() <= r.maxUs());
  }

  @Test
  void theSyntheticPipelineAllocatesNothingPerChunk() {
    SyntheticPipeline p = new SyntheticPipeline(RATE, 160, 64);
    RtResult r =
        new Harness()
            .run(p, TestSignal.generate(2, RATE), new HarnessOptions(2, 200, false, false));
    assertEquals(0.0, r.allocBytesPerChunk(), 0.5, r.summary());
  }

  @Test
  void anAllocationPerChunkShowsInBytesPerChunk() {
    ChunkPipeline p = Regression.ALLOC.wrap(new SyntheticPipeline(RATE, 160, 8));
    RtResult r =
        new Harness().run(p, TestSignal.generate(1, RATE), new HarnessOptions(1, 50, false, false));
    // A float[160] is 16 bytes of header and 640 of data.
    assertTrue(r.allocBytesPerChunk() >= 640, r.summary());
  }

  @Test
  void aChunkSlowerThanItsDurationIsADeadlineMiss() {
    int chunk = 16; // 1 ms
    RtResult r =
        new Harness()
            .run(
                sleeping(chunk, 1_500_000L),
                new float[chunk * 20],
                new HarnessOptions(1, 0, false, false));
    assertEquals(20, r.deadlineMisses());
    assertTrue(r.rtf() > 1.4, r.summary());
  }

  @Test
  void aPacedRunTakesAboutAsLongAsTheAudio() {
    int chunk = 32; // 2 ms
    long t0 = System.nanoTime();
    RtResult r =
        new Harness()
            .run(
                sleeping(chunk, 100_000L),
                new float[chunk * 50],
                new HarnessOptions(1, 0, true, false));
    double ms = (System.nanoTime() - t0) / 1e6;
    assertTrue(ms >= 95 && ms < 2000, "50 chunks of 2 ms took " + ms + " ms");
    assertTrue(r.rtf() < 0.5, r.summary());
    // a 0.1 ms chunk misses its 2 ms deadline only when the machine preempts the thread; allow
    // a few such chunks on a loaded machine, but not a pacing bug (which misses most of them)
    assertTrue(r.deadlineMisses() <= 5, r.summary());
  }

  @Test
  void audioShorterThanOneChunkIsRefusedNamingTheSizes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Harness()
                    .run(
                        new SyntheticPipeline(RATE, 512, 8),
                        new float[511],
                        HarnessOptions.defaults()));
    assertTrue(e.getMessage().contains("length=511"), e.getMessage());
    assertTrue(e.getMessage().contains("512 samples"), e.getMessage());
  }

  @Test
  void theJsonHasExactlyTheDocumentedKeys() {
    RtResult r = new RtResult(100, 10, 12.5, 20, 30, 40, 0.00125, 0, 0, 11);
    String json = r.toJson();
    List<String> keys = new ArrayList<>();
    Matcher m = Pattern.compile("\"([a-z0-9_]+)\":").matcher(json);
    while (m.find()) {
      keys.add(m.group(1));
    }
    assertArrayEquals(
        new String[] {
          "chunks",
          "chunk_ms",
          "p50_us",
          "p99_us",
          "p999_us",
          "max_us",
          "rtf",
          "deadline_misses",
          "alloc_bytes_per_chunk"
        },
        keys.toArray());
    assertTrue(json.contains("\"p50_us\": 12.5"), json);
    assertTrue(json.contains("\"rtf\": 0.001250"), json);
  }

  @Test
  void thePlotIsAPng(@TempDir Path dir) throws Exception {
    Harness h = new Harness();
    RtResult r =
        h.run(
            new SyntheticPipeline(RATE, 160, 16),
            TestSignal.generate(1, RATE),
            new HarnessOptions(1, 0, false, true));
    assertEquals(r.chunks(), h.timeline().length);
    Path png = dir.resolve("latency.png");
    Plots.write("synthetic", h.timeline(), h.cpuTimeline(), r, png);
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
  }

  @Test
  void theTimelinesGiveEveryChunkItsStartItsLatencyAndItsCpuTime() {
    Harness h = new Harness();
    RtResult r =
        h.run(
            new SyntheticPipeline(RATE, 160, 16),
            TestSignal.generate(1, RATE),
            new HarnessOptions(2, 30, false, true));
    long[] wall = h.timeline();
    long[] cpu = h.cpuTimeline();
    long[] start = h.startTimeline();
    assertEquals(r.chunks(), wall.length);
    assertEquals(wall.length, cpu.length);
    assertEquals(wall.length, start.length);
    for (int i = 0; i < wall.length; i++) {
      assertTrue(cpu[i] >= 0, "cpu[" + i + "]=" + cpu[i]);
      if (i > 0) {
        // chunks run one after the other: each starts after the previous one returned
        assertTrue(start[i] >= start[i - 1] + wall[i - 1], "chunk " + i + " starts too early");
      }
    }
  }
}
