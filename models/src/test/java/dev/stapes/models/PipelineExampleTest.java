package dev.stapes.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.models.wakeword.WakeWordDetection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's streaming-pipeline example, compiled and run as written there. */
class PipelineExampleTest {

  @Test
  void theReadmePipelineExampleHearsTheWakeWord() throws Exception {
    TestModels.model("oww-embedding"); // skipped (failed under CI) when the models can't be fetched
    TestModels.model("oww-alexa");
    float[] audio =
        AudioFiles.readMono(
            TestModels.resource("wakeword/positive_alexa_alexa_en-us_160.wav"), 16000);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      // --- README example begins
      try (Pipeline p = Pipelines.open("wakeword", PipelineConfig.defaults().withVariant("alexa"));
          PipelineStream s =
              p.newStream(
                  new PipelineSink() {
                    @Override
                    public void onEvent(PipelineEvent e) {
                      System.out.println(e); // e.g. WakeWordDetection[keyword=alexa, ...]
                    }
                  })) {
        s.push(audio, 0, audio.length); // any block size: 1 sample, 7 ms, a whole file
        s.endOfInput();
      }
      // --- README example ends
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    assertTrue(
        out.contains(WakeWordDetection.class.getSimpleName() + "[keyword=alexa"),
        "no detection printed: " + out);
  }
}
