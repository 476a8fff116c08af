package dev.stapes.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** KWT-1 imported from TFLite gives TensorFlow Lite's own logits (reference_logits.json). */
class Kwt1ImportTest {

  static final float TOLERANCE = 1e-3f;
  @TempDir static Path dir;
  static Path onnx;
  static String reference;

  @BeforeAll
  static void importModel() throws Exception {
    Path tflite = TestFiles.shared("models/kwt1/kwt1_non_stream.tflite");
    reference = Files.readString(TestFiles.shared("models/kwt1/reference_logits.json"));
    onnx = dir.resolve("kwt1.onnx");
    TfliteImporter.importFile(tflite, onnx);
  }

  @Test
  void graphKeepsTheTfliteInputAndOutputNames() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
      assertEquals("[input_1]", s.getInputNames().toString());
      assertEquals("[sequential_12/dense_73/BiasAdd]", s.getOutputNames().toString());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"yes_1000ms.wav", "no_1000ms.wav", "silence_1000ms.wav", "noise_1000ms.wav"})
  void logitsAgreeWithTensorFlowLiteWithinOneThousandth(String clip) throws Exception {
    float[] audio = Arrays.copyOf(TestFiles.pcm16(TestFiles.shared("corpus/" + clip)), 16000);
    float[] expected = TestFiles.jsonArrayAfter(reference, "\"" + clip + "\"", "logits");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
        OnnxTensor x =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(audio), new long[] {1, 16000});
        OrtSession.Result r = s.run(Map.of("input_1", x))) {
      float[] logits = ((float[][]) r.get(0).getValue())[0];
      assertEquals(12, logits.length);
      float maxError = 0;
      for (int i = 0; i < 12; i++) {
        maxError = Math.max(maxError, Math.abs(logits[i] - expected[i]));
      }
      System.out.printf("kwt1 %s max |onnx - tflite| = %.3g%n", clip, maxError);
      assertTrue(
          maxError <= TOLERANCE,
          clip
              + ": max error "
              + maxError
              + " > "
              + TOLERANCE
              + ", got "
              + Arrays.toString(logits));
    }
  }
}
