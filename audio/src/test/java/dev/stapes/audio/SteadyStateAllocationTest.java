package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost-model promise: {@link WavReader#read}, {@link Resampler#process}, {@link WavSource#read}
 * and {@link WavWriter#write} allocate nothing in steady state, measured with the JVM's per-thread
 * allocation counter.
 */
class SteadyStateAllocationTest {
  @TempDir Path dir;

  interface Body {
    void run() throws IOException;
  }

  static long allocatedBy(Body body, int reps) throws IOException {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
    long id = Thread.currentThread().getId();
    for (int i = 0; i < reps; i++) {
      body.run(); // warm up: JIT, lazy init
    }
    long before = bean.getThreadAllocatedBytes(id);
    for (int i = 0; i < reps; i++) {
      body.run();
    }
    long after = bean.getThreadAllocatedBytes(id);
    // one getThreadAllocatedBytes call may itself allocate a few bytes on some JVMs
    return Math.max(0, after - before - 64);
  }

  @Test
  void resamplerProcessAllocatesNothing() throws IOException {
    for (int[] rates :
        new int[][] {{48000, 16000}, {44100, 16000}, {8000, 16000}, {44100, 16001}}) {
      Resampler r = new Resampler(rates[0], rates[1]);
      float[] in = ResamplerTest.noise(441, 1);
      float[] out = new float[r.maxOutput(in.length)];
      assertEquals(0, allocatedBy(() -> r.process(in, 0, in.length, out, 0), 2000), r.toString());
    }
  }

  @Test
  void readersAndWriterAllocateNothingPerCall() throws IOException {
    Path p = dir.resolve("long.wav");
    float[] block = ResamplerTest.noise(2 * 4410, 2);
    try (WavWriter w = WavWriter.create(p, 44100, 2, WavWriter.Encoding.PCM_S24)) {
      assertEquals(0, allocatedBy(() -> w.write(block, 0, block.length), 200));
    }
    float[] dst = new float[1000];
    try (WavReader r = WavReader.open(p)) {
      assertEquals(0, allocatedBy(() -> r.read(dst, 0, dst.length), 300));
    }
    try (WavSource s = WavSource.open(p, 16000)) {
      assertEquals(0, allocatedBy(() -> s.read(dst, 0, dst.length), 300));
    }
  }
}
