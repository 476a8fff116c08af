package example;

import dev.stapes.engine.Npy;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies a LoRA saved by PEFT ({@code save_pretrained}) to an ONNX export of its base model at
 * load time, runs the model once and prints every output.
 *
 * <p>Usage: {@code java -jar target/injection-1.0.jar model.onnx lora-dir NAME=input.npy...
 * [--expected out.npy]}; with {@code --expected}, prints the largest difference from that array
 * (e.g. PEFT's own output) and exits with 1 if it exceeds 1e-4.
 */
public final class Inject {

  private Inject() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println(
          "usage: injection MODEL.onnx LORA_DIR NAME=FILE.npy... [--expected FILE.npy]");
      System.exit(2);
    }
    Path model = Path.of(args[0]);
    LoraAdapter lora = LoraAdapter.readPeft(Path.of(args[1]));
    InjectedModel injected =
        Injector.builder().model(model).task(Task.of("lora", lora)).build(); // Mode.BOUND
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    Path expected = null;
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--expected") && i + 1 < args.length) {
        expected = Path.of(args[++i]);
        continue;
      }
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("input " + args[i] + ", expected NAME=FILE.npy");
      }
      feeds.put(args[i].substring(0, eq), Tensor.of(Npy.read(Path.of(args[i].substring(eq + 1)))));
    }
    float worst = 0;
    try (Session session = injected.openSession(model.toString(), SessionOptions.defaults());
        TaskTensors tasks = TaskTensors.of(injected)) {
      tasks.putInto(feeds, "lora"); // the adapter's weights, bound as graph inputs
      try (Session.Outputs out = session.run(feeds)) {
        String first = null;
        for (String name : out.names()) {
          Tensor t = out.get(name);
          System.out.println(name + " " + t.type() + Arrays.toString(t.shape()));
          System.out.println(Arrays.toString(t.toFloats()));
          first = first == null ? name : first;
        }
        if (expected != null) {
          float[] got = out.get(first).toFloats();
          float[] want = Npy.read(expected).toFloatArray();
          if (got.length != want.length) {
            throw new IllegalArgumentException(
                "--expected " + expected + " holds " + want.length + " values, the output "
                    + got.length);
          }
          for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
          }
          System.out.printf("max |%s - expected| = %.3g%n", first, worst);
        }
      }
    } finally {
      for (Tensor t : feeds.values()) {
        t.close();
      }
    }
    if (worst > 1e-4f) {
      System.exit(1);
    }
  }
}
