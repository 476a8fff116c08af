package dev.stapes.models.live;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class SpeakerTest {

  @Test
  void theDefaultOutputPlaysOrIsRefusedWithOneClearLine() {
    Speaker s;
    try {
      s = Speaker.open(16000, 256);
    } catch (IOException e) {
      // headless machines (CI): no output device
      assertTrue(e.getMessage().startsWith("no audio output device"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      return;
    }
    try (Speaker sp = s) {
      sp.write(new float[256], 0, 256);
      assertThrows(IllegalArgumentException.class, () -> sp.write(new float[600], 0, 600));
    }
  }

  @Test
  void badSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Speaker.open(0, 256));
    assertThrows(IllegalArgumentException.class, () -> Speaker.open(16000, 0));
  }
}
