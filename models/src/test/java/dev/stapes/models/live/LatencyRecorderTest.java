package dev.stapes.models.live;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

  @Test
  void percentilesAreNearestRank() {
    LatencyRecorder r = new LatencyRecorder(1000);
    for (int i = 100; i >= 1; i--) {
      r.record(i);
    }
    assertArrayEquals(new long[] {1, 50, 99, 100}, r.percentiles(0, 50, 99, 100));
    assertEquals(100, r.count());
  }

  @Test
  void keepsTheNewestValuesWhenFull() {
    LatencyRecorder r = new LatencyRecorder(3);
    for (long v : new long[] {1000, 1000, 1, 2, 3}) {
      r.record(v);
    }
    assertArrayEquals(new long[] {1, 3}, r.percentiles(0, 100));
    assertEquals(5, r.count());
  }

  @Test
  void emptyGivesZerosAndBadCapacityIsRefused() {
    assertArrayEquals(new long[] {0}, new LatencyRecorder(1).percentiles(50));
    assertThrows(IllegalArgumentException.class, () -> new LatencyRecorder(0));
  }
}
