package example;

import dev.stapes.audio.AudioFiles;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineEvent;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.Pipelines;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.wakeword.WakeWordDetection;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Prints the speech segments (Silero VAD) and wake-word detections (openWakeWord, every wake word
 * in the catalog) of a WAV file. The models come from the Stapes model store (~/.cache/stapes,
 * fetched on first use).
 *
 * <p>Usage: {@code java -jar target/vad-wakeword-1.0.jar clip.wav}
 */
public final class VadWakeword {

  private VadWakeword() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: vad-wakeword FILE.wav");
      System.exit(2);
    }
    Path wav = Path.of(args[0]);
    PipelineSink print =
        new PipelineSink() {
          @Override
          public void onEvent(PipelineEvent e) {
            if (e instanceof SpeechSegment s) {
              System.out.printf("speech %.2f - %.2f s%n", s.start(), s.end());
            } else if (e instanceof WakeWordDetection w) {
              System.out.printf(
                  "wake word %s at %.2f s (score %.3f)%n", w.keyword(), w.time(), w.score());
            }
          }
        };
    for (String name : new String[] {"vad", "wakeword"}) {
      try (Pipeline p = Pipelines.open(name, PipelineConfig.defaults());
          PipelineStream s = p.newStream(print)) {
        float[] audio = AudioFiles.readMono(wav, p.sampleRate()); // mono float32 in [-1, 1]
        s.push(audio, 0, audio.length);
        s.endOfInput();
      }
    }
  }
}
