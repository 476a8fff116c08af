package dev.stapes.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * openWakeWord's authors ship every model both as {@code .tflite} and as {@code .onnx}. The
 * imported mel, embedding and {@code alexa} models agree with the authors' ONNX files to 1e-4
 * relative (max |ours - theirs| / max |theirs|) on real audio from the corpus; each model gets the
 * same real input in both versions (the authors' upstream output).
 */
class OpenWakeWordImportTest {

  static final double RELATIVE_TOLERANCE = 1e-4;
  static final int MEL_WINDOW = 76;
  static final int MEL_STEP = 8;
  static final int EMBEDDING_WINDOW = 16;

  static OrtEnvironment env;
  static OrtSession[] theirs = new OrtSession[3];
  static OrtSession[] ours = new OrtSession[3];

  @BeforeAll
  static void load(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    env = OrtEnvironment.getEnvironment();
    String[][] pairs = OpenWakeWordFiles.pairs();
    for (int i = 0; i < 3; i++) {
      Path tflite = OpenWakeWordFiles.path(pairs[i][0]);
      Path onnx = OpenWakeWordFiles.path(pairs[i][1]);
      Path imported = dir.resolve(i + ".onnx");
      TfliteImporter.importFile(tflite, imported);
      theirs[i] = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
      ours[i] = env.createSession(imported.toString(), new OrtSession.SessionOptions());
    }
  }

  @AfterAll
  static void close() throws OrtException {
    for (int i = 0; i < 3; i++) {
      if (theirs[i] != null) {
        theirs[i].close();
      }
      if (ours[i] != null) {
        ours[i].close();
      }
    }
  }

  /** Runs a one-input model, returns its flat output and shape. */
  static float[] run(OrtSession s, float[] x, long[] shape, long[][] outShape) throws OrtException {
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
        OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
      OnnxTensor y = (OnnxTensor) r.get(0);
      outShape[0] = y.getInfo().getShape();
      FloatBuffer b = y.getFloatBuffer();
      float[] out = new float[b.remaining()];
      b.get(out);
      return out;
    }
  }

  static double compare(String what, float[] expected, float[] actual) {
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < expected.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
    }
    double rel = maxDiff / Math.max(maxRef, 1e-12);
    System.out.printf(
        "oww %s: %d values, max |diff| = %.3g, max |ref| = %.3g, relative %.3g%n",
        what, expected.length, maxDiff, maxRef, rel);
    assertTrue(rel <= RELATIVE_TOLERANCE, what + ": relative error " + rel);
    return rel;
  }

  @ParameterizedTest
  @ValueSource(strings = {"alexa_test.wav", "hey_mycroft_test.wav", "hey_jane.wav"})
  void importedModelsAgreeWithTheAuthorsOnnxOnRealSpeech(String clip) throws Exception {
    float[] pcm = TestFiles.pcm16(TestFiles.shared("corpus/" + clip));
    // openWakeWord pads its test clips with 1.5 s of silence on both sides; int16 scale.
    int pad = 24000;
    float[] audio = new float[pcm.length + 2 * pad];
    for (int i = 0; i < pcm.length; i++) {
      audio[pad + i] = pcm[i] * 32768f;
    }
    long[][] shape = new long[1][];
    long[][] shapeOurs = new long[1][];
    float[] melTheirs = run(theirs[0], audio, new long[] {1, audio.length}, shape);
    float[] melOurs = run(ours[0], audio, new long[] {1, audio.length}, shapeOurs);
    assertArrayEquals(shape[0], shapeOurs[0], "mel output shape");
    compare(clip + " mel", melTheirs, melOurs);

    int frames = (int) shape[0][2];
    int windows = (frames - MEL_WINDOW) / MEL_STEP + 1;
    float[] batch = new float[windows * MEL_WINDOW * 32];
    for (int wi = 0; wi < windows; wi++) {
      for (int f = 0; f < MEL_WINDOW; f++) {
        for (int b = 0; b < 32; b++) {
          // openWakeWord's scaling of the mel features before the embedding model.
          batch[(wi * MEL_WINDOW + f) * 32 + b] =
              melTheirs[(wi * MEL_STEP + f) * 32 + b] / 10f + 2f;
        }
      }
    }
    long[] embShape = {windows, MEL_WINDOW, 32, 1};
    float[] embTheirs = run(theirs[1], batch, embShape, shape);
    float[] embOurs = run(ours[1], batch, embShape, shapeOurs);
    assertArrayEquals(shape[0], shapeOurs[0], "embedding output shape");
    compare(clip + " embedding", embTheirs, embOurs);

    int positions = windows - EMBEDDING_WINDOW + 1;
    float[] scoresTheirs = new float[positions];
    float[] scoresOurs = new float[positions];
    for (int p = 0; p < positions; p++) {
      float[] x = new float[EMBEDDING_WINDOW * 96];
      System.arraycopy(embTheirs, p * 96, x, 0, x.length);
      scoresTheirs[p] = run(theirs[2], x, new long[] {1, EMBEDDING_WINDOW, 96}, shape)[0];
      scoresOurs[p] = run(ours[2], x, new long[] {1, EMBEDDING_WINDOW, 96}, shapeOurs)[0];
    }
    compare(clip + " alexa", scoresTheirs, scoresOurs);
  }
}
