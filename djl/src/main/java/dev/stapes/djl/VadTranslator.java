package dev.stapes.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.stapes.models.vad.SpeechSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL {@link ai.djl.translate.Translator} for a {@link VadBlock}: {@code float[]} of 16 kHz mono
 * samples in, speech segments out.
 */
public final class VadTranslator implements NoBatchifyTranslator<float[], List<SpeechSegment>> {

  @Override
  public NDList processInput(TranslatorContext ctx, float[] audio) {
    return new NDList(ctx.getNDManager().create(audio));
  }

  @Override
  public List<SpeechSegment> processOutput(TranslatorContext ctx, NDList list) {
    NDArray a = list.singletonOrThrow();
    float[] flat = a.toFloatArray();
    List<SpeechSegment> out = new ArrayList<>();
    for (int i = 0; i + 1 < flat.length; i += 2) {
      out.add(
          new SpeechSegment(
              Math.round(flat[i] * 16000.0), Math.round(flat[i + 1] * 16000.0), 16000));
    }
    return out;
  }
}
