package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamSpecTest {
  static Map<String, String> complete() {
    Map<String, String> m = new HashMap<>();
    m.put("stapes.audio_input", "input");
    m.put("stapes.chunk_samples", "512");
    m.put("stapes.context_samples", "64");
    m.put("stapes.audio_shape", "1,-1");
    m.put("stapes.state", "state<-stateN, h <- hn");
    m.put("stapes.scale", "INT16");
    m.put("stapes.outputs", "output,logits");
    m.put("stapes.sample_rate", "16000");
    m.put("stapes.constant.sr", "int64:16000");
    m.put("stapes.constant.w", "float32[2]:0.5, 0.25");
    m.put("unrelated", "x");
    return m;
  }

  @Test
  void readsEveryMetadataKey() {
    StreamSpec s = StreamSpec.fromMetadata(complete());
    assertEquals("input", s.audioInput());
    assertEquals(512, s.chunkSamples());
    assertEquals(64, s.contextSamples());
    assertEquals(576, s.windowSamples());
    assertArrayEquals(new long[] {1, -1}, s.audioShape());
    assertEquals(2, s.states().size());
    assertEquals("h", s.states().get(1).input());
    assertEquals("hn", s.states().get(1).output());
    assertEquals(StreamSpec.Scale.INT16, s.scale());
    assertEquals(32768f, s.scale().factor());
    assertEquals("[output, logits]", s.outputs().toString());
    assertEquals(16000, s.sampleRate());
    assertArrayEquals(new long[] {16000}, s.constants().get("sr").toLongArray());
    assertEquals(0, s.constants().get("sr").rank());
    assertArrayEquals(new float[] {0.5f, 0.25f}, s.constants().get("w").toFloatArray());
  }

  @Test
  void isAbsentWithoutAnAudioInputKey() {
    assertNull(StreamSpec.fromMetadata(Map.of("stapes.chunk_samples", "4")));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "stapes.chunk_samples|abc|stapes.chunk_samples=abc, expected an integer",
        "stapes.chunk_samples|0|chunkSamples=0 samples, expected 1 to",
        "stapes.context_samples|-1|contextSamples=-1 samples, expected 0 to",
        "stapes.scale|loud|stapes.scale=loud, expected one of [unit, int16]",
        "stapes.state|state|stapes.state=state, expected pairs like",
        "stapes.audio_shape|1,x|stapes.audio_shape=1,x, expected comma-separated integers",
        "stapes.constant.sr|16000|stapes.constant.sr=16000, expected 'dtype:values'",
        "stapes.constant.sr|complex:1|Unknown dtype 'complex'",
        "stapes.constant.sr|int64[2]:1|1 values, expected 2",
        "stapes.constant.sr|float32:x|not a number"
      })
  void namesTheKeyAndValueOfAMalformedEntry(String key, String value, String message) {
    Map<String, String> m = complete();
    m.put(key, value);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StreamSpec.fromMetadata(m));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void requiresTheAudioInputAndChunkAndRefusesNamesUsedTwice() {
    assertThrows(
        IllegalArgumentException.class, () -> StreamSpec.builder().setChunkSamples(4).build());
    assertThrows(
        IllegalArgumentException.class, () -> StreamSpec.builder().setAudioInput("x").build());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                StreamSpec.builder()
                    .setAudioInput("x")
                    .setChunkSamples(4)
                    .addState("x", "y")
                    .build());
    assertEquals("input x is used twice in the spec", e.getMessage());
  }

  @Test
  void printsEveryField() {
    assertEquals(
        "StreamSpec[audioInput=input, chunkSamples=512, contextSamples=64, audioShape=[1, -1],"
            + " states=[state<-stateN, h<-hn], constants={sr=NpyArray[dtype=i8, shape=[]],"
            + " w=NpyArray[dtype=f4, shape=[2]]}, scale=INT16, outputs=[output, logits],"
            + " sampleRate=16000]",
        StreamSpec.fromMetadata(complete()).toString());
  }
}
