package dev.stapes.djl;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.stapes.models.wakeword.WakeWordDetection;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL {@link ai.djl.translate.Translator} for a {@link WakeWordBlock}: {@code float[]} of 16 kHz
 * mono samples in, detections out.
 */
public final class WakeWordTranslator
    implements NoBatchifyTranslator<float[], List<WakeWordDetection>> {

  private final List<String> keywords;

  /** A translator naming detections with {@code keywords} (those of the block). */
  public WakeWordTranslator(List<String> keywords) {
    this.keywords = List.copyOf(keywords);
  }

  @Override
  public NDList processInput(TranslatorContext ctx, float[] audio) {
    return new NDList(ctx.getNDManager().create(audio));
  }

  @Override
  public List<WakeWordDetection> processOutput(TranslatorContext ctx, NDList list) {
    float[] flat = list.get(0).toFloatArray();
    List<WakeWordDetection> out = new ArrayList<>();
    for (int i = 0; i + 2 < flat.length; i += 3) {
      out.add(new WakeWordDetection(keywords.get((int) flat[i]), flat[i + 1], flat[i + 2]));
    }
    return out;
  }
}
