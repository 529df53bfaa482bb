package dev.kashierrotator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.domain.properties.HasOwner;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
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
    void timeAndThreadsEachHaveOneHome() {
        // The clock comes from config.Clocks and every executor from util.Threads, so that the service closes
        // all its threads when it stops and a test can run the engine on time it drives. The one exception is
        // Deadline's watchdog: a bound on I/O is wall time by nature, and its thread ends when idle.
        DescribedPredicate<JavaClass> home = JavaClass.Predicates.belongToAnyOf(
                        dev.kashierrotator.util.Threads.class,
                        dev.kashierrotator.util.Deadline.class,
                        dev.kashierrotator.config.Clocks.class)
                .or(JavaClass.Predicates.resideInAPackage("dev.kashierrotator.sim.."));
        noClasses()
                .that(DescribedPredicate.not(home))
                .should()
                .callMethod(Instant.class, "now")
                .orShould()
                .callMethod(System.class, "currentTimeMillis")
                .orShould()
                .callMethod(System.class, "nanoTime")
                .orShould()
                .callMethodWhere(JavaCall.Predicates.target(
                                HasOwner.Predicates.With.owner(JavaClass.Predicates.equivalentTo(Clock.class)))
                        .and(JavaCall.Predicates.target(HasName.Predicates.nameStartingWith("system"))))
                .orShould()
                .callMethodWhere(JavaCall.Predicates.target(
                        HasOwner.Predicates.With.owner(JavaClass.Predicates.equivalentTo(Executors.class))))
                .orShould()
                .callConstructorWhere(JavaCall.Predicates.target(
                        HasOwner.Predicates.With.owner(JavaClass.Predicates.assignableTo(Thread.class)
                                .or(JavaClass.Predicates.assignableTo(ThreadPoolExecutor.class)))))
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
                .haveNameMatching("dev\\.kashierrotator\\.rotation\\.(Rotation|Step|Wave|DependentOutcome)")
                .and()
                .areNotStatic()
                .should()
                .bePrivate()
                .check(PRODUCTION);
    }

    @Test
    void theRolloutAdapterReportsAndNeverTouchesTheRotationRecord() {
        // Wave order, the soak, the failure threshold and what a result means are the domain's (Waves);
        // the adapter delivers, verifies and reports each dependent through Distributor.Report.
        noClasses()
                .that()
                .resideInAPackage("dev.kashierrotator.rollout..")
                .should()
                .dependOnClassesThat()
                .haveNameMatching(
                        "dev\\.kashierrotator\\.rotation\\.(Rotation|Waves|Step|Wave|DependentOutcome|StepState|DependentState)(\\$.*)?")
                .check(PRODUCTION);
    }

    @Test
    void aKeyKindMeansWhatItMeansInOnePlace() {
        // Steps ask the kind's rules (rotation.KeyKindRules) what a kind means, never which kind a key is: a
        // new kind is a new rules type, the inventory's validation, and what the API and a person are shown.
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName("dev.kashierrotator.inventory.KeySpec")
                .and()
                .doNotHaveFullyQualifiedName("dev.kashierrotator.inventory.InventoryLoader")
                .and()
                .doNotHaveFullyQualifiedName("dev.kashierrotator.api.KeysResource")
                .and()
                .doNotHaveFullyQualifiedName("dev.kashierrotator.kashier.ManualDashboard")
                .and()
                .haveNameNotMatching("dev\\.kashierrotator\\.rotation\\.KeyKindRules(\\$.*)?")
                .and()
                // The local build's simulator seeds Kashier's side of each key; it is not in the service.
                .resideOutsideOfPackage("dev.kashierrotator.sim..")
                .should()
                .callMethod(dev.kashierrotator.inventory.KeySpec.class, "isPaymentKey")
                .orShould()
                .callMethod(dev.kashierrotator.inventory.KeySpec.class, "alternates")
                .check(PRODUCTION);
    }
}
