package dev.kashierrotator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The packages stay layers: no cycles between them, and the rotation domain depends on no adapter (Vault,
 * Kashier, rollout targets, the API), on no Vault driver, no JAX-RS, no Micrometer and no fault-tolerance
 * library (adapters translate their exceptions into the domain's own). Checked on the compiled
 * production classes.
 */
@Tag("fast")
class LayersTest {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.kashierrotator");

    @Test
    void noPackageDependsOnOneThatDependsBackOnIt() {
        slices().matching("dev.kashierrotator.(*)..").should().beFreeOfCycles().check(PRODUCTION);
    }

    @Test
    void theRotationDomainKnowsNoAdapterNoDriverNoJaxRsNoMetricsAndNoFaultToleranceLibrary() {
        noClasses()
                .that()
                .resideInAPackage("dev.kashierrotator.rotation..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.kashierrotator.vault..",
                        "dev.kashierrotator.kashier..",
                        "dev.kashierrotator.rollout..",
                        "dev.kashierrotator.api..",
                        "dev.kashierrotator.sim..",
                        "dev.kashierrotator.security..",
                        "io.github.jopenlibs..",
                        "jakarta.ws.rs..",
                        "io.micrometer..",
                        "org.eclipse.microprofile.faulttolerance..",
                        "io.smallrye.faulttolerance..")
                .check(PRODUCTION);
    }

    @Test
    void theServiceNeedsNoneOfTheLocalBuildsCode() {
        // src/local/java (the simulator, which makes keys, and the demo dependents) is left out of the
        // production build: nothing else may need it, or that build would not compile.
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.kashierrotator.sim..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.kashierrotator.sim..")
                .check(PRODUCTION);
    }

    @Test
    void onlyTheRotationRecordLocksItself() throws IOException {
        // Rollout threads and the record writer share one lock, the record's own: its methods take it. A
        // lock taken on it from outside would be a protocol spread over classes again.
        List<String> outside;
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            outside = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.endsWith(Path.of("rotation", "Rotation.java")))
                    .filter(f -> {
                        try {
                            return Pattern.compile("synchronized \\((r|rotation|record)\\)")
                                    .matcher(Files.readString(f))
                                    .find();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .map(Object::toString)
                    .toList();
        }
        assertEquals(List.of(), outside);
    }

    @Test
    void theRotationRecordOwnsItsState() {
        // The record is the Vault document and what rollout threads share: its state changes only through
        // its own methods (each named for what happened, with its rules), never by a field set from outside.
        fields().that()
                .areDeclaredInClassesThat()
                .haveNameMatching("dev\\.kashierrotator\\.rotation\\.Rotation(\\$(Step|Wave|DependentOutcome))?")
                .and()
                .areNotStatic()
                .should()
                .bePrivate()
                .check(PRODUCTION);
    }
}
