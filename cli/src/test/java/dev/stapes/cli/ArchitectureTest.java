package dev.stapes.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direction of dependencies between the modules, checked on the compiled main classes of every
 * module that ships (bench, which is never shipped and may use anything, is left out):
 *
 * <pre>
 * audio   engine   native          (siblings; audio knows nothing of ONNX, engine nothing of audio)
 * tflite                            (ONNX protos and flatbuffers only)
 * store   -> tflite
 * models  -> audio, engine, store, native (models.live)
 * djl     -> models
 * cli     -> models, store, tflite, audio, engine, native
 * </pre>
 *
 * <p>and no {@code *.internal} package is used from outside the module that holds it.
 */
class ArchitectureTest {

  /** Module name and its root package. */
  private static final List<String[]> MODULES =
      List.of(
          new String[] {"audio", "dev.stapes.audio"},
          new String[] {"engine", "dev.stapes.engine"},
          new String[] {"native", "dev.stapes.nativert"},
          new String[] {"tflite", "dev.stapes.tflite"},
          new String[] {"store", "dev.stapes.store"},
          new String[] {"models", "dev.stapes.models"},
          new String[] {"djl", "dev.stapes.djl"},
          new String[] {"cli", "dev.stapes.cli"});

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    // main classes only: neither test-classes folders nor the modules' test jars
    classes =
        new ClassFileImporter()
            .withImportOption(
                location ->
                    !location.contains("/test-classes/") && !location.contains("-tests.jar"))
            .importPackages("dev.stapes");
    for (String[] m : MODULES) {
      // a rule over an empty module would pass without checking anything
      assertTrue(
          classes.stream().anyMatch(c -> c.getPackageName().startsWith(m[1])),
          "no classes of module '" + m[0] + "' (" + m[1] + ") on the test class path");
    }
  }

  @Test
  void modulesDependOnlyDownwards() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("audio")
        .definedBy("dev.stapes.audio..")
        .layer("engine")
        .definedBy("dev.stapes.engine..")
        .layer("native")
        .definedBy("dev.stapes.nativert..")
        .layer("tflite")
        .definedBy("dev.stapes.tflite..")
        .layer("store")
        .definedBy("dev.stapes.store..")
        .layer("models")
        .definedBy("dev.stapes.models..")
        .layer("djl")
        .definedBy("dev.stapes.djl..")
        .layer("cli")
        .definedBy("dev.stapes.cli..")
        .whereLayer("cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("djl")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("models")
        .mayOnlyBeAccessedByLayers("djl", "cli")
        .whereLayer("store")
        .mayOnlyBeAccessedByLayers("models", "djl", "cli")
        .whereLayer("tflite")
        .mayOnlyBeAccessedByLayers("store", "cli")
        .whereLayer("audio")
        .mayOnlyBeAccessedByLayers("models", "djl", "cli")
        .whereLayer("engine")
        .mayOnlyBeAccessedByLayers("models", "djl", "cli")
        .whereLayer("native")
        .mayOnlyBeAccessedByLayers("models", "cli")
        .check(classes);
  }

  @Test
  void audioKnowsNothingOfOnnx() {
    noClasses()
        .that()
        .resideInAPackage("dev.stapes.audio..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.onnxruntime..", "ai.onnx..")
        .check(classes);
  }

  @Test
  void engineKnowsNothingOfAudio() {
    noClasses()
        .that()
        .resideInAPackage("dev.stapes.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.jtransforms..")
        .check(classes);
  }

  @Test
  void tfliteUsesOnlyProtosAndFlatbuffers() {
    noClasses()
        .that()
        .resideInAPackage("dev.stapes.tflite..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.onnxruntime..", "dev.stapes.engine..", "dev.stapes.audio..")
        .check(classes);
  }

  @Test
  void shippedModulesUseNoBenchmarkTooling() {
    noClasses()
        .that()
        .resideInAPackage("dev.stapes..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.openjdk.jmh..", "org.knowm..", "dev.stapes.bench..")
        .check(classes);
  }

  @Test
  void shippedModulesUseNoSpark() {
    // Spark lives in the spark module (stapes-spark.jar), never in stapes.jar's modules
    noClasses()
        .that()
        .resideInAPackage("dev.stapes..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.spark..", "scala..", "dev.stapes.spark..")
        .check(classes);
  }

  @Test
  void onlyDjlUsesDjl() {
    noClasses()
        .that()
        .resideInAPackage("dev.stapes..")
        .and()
        .resideOutsideOfPackage("dev.stapes.djl..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.djl..")
        .check(classes);
  }

  @Test
  void noInternalPackageIsUsedFromAnotherModule() {
    for (String[] m : MODULES) {
      noClasses()
          .that()
          .resideOutsideOfPackage(m[1] + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(m[1] + "..internal..")
          .as("no class outside module '" + m[0] + "' uses its *.internal packages")
          .check(classes);
    }
  }
}
