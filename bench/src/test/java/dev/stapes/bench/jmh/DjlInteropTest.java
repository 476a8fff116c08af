package dev.stapes.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * DJL's ONNX Runtime engine, as the benchmarks use it: offline, on the project's ORT 1.26.0. Runs
 * in its own JVM (surefire reuseForks=false): DJL fails when another user created the process-wide
 * OrtEnvironment first, which is why every benchmark gets it from {@link
 * BenchModels#environment()}.
 */
class DjlInteropTest {

  @Test
  void djlRunsOfflineOnTheProjectsOnnxRuntime() throws Exception {
    assertEquals("1.26.0", BenchModels.environment().getVersion());
    Path model = BenchModels.bundled("identity.onnx");
    float[] x = {1, -2, 3.5f, 0};
    try (ZooModel<NDList, NDList> m =
            Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(model)
                .optEngine("OnnxRuntime")
                .build()
                .loadModel();
        Predictor<NDList, NDList> p = m.newPredictor();
        NDManager manager = m.getNDManager().newSubManager()) {
      NDList out = p.predict(new NDList(manager.create(x, new Shape(1, 4))));
      assertArrayEquals(x, out.singletonOrThrow().toFloatArray());
    }
    assertEquals("true", System.getProperty("ai.djl.offline"));
  }
}
