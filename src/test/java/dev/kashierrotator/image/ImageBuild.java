package dev.kashierrotator.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the service's container image with Jib, without a Docker daemon: the Quarkus fast-jar
 * ({@code target/quarkus-app}) in four layers ordered from least to most often changed, run as uid
 * 185, ports 9000 (management: health, metrics) and 8443 (API). Writes a tarball ({@code docker load} / {@code
 * podman load} / {@code crane push}) unless a registry is configured and push is on. Run by the
 * {@code image} Maven profile: {@code ./mvnw package -Dquarkus.container-image.build=true}.
 */
public final class ImageBuild {

    /** Repository name, as the chart's default {@code image.repository}. */
    public static final String NAME = "kashier-key-rotator";

    private ImageBuild() {}

    public static void main(String[] args) throws Exception {
        String tag = System.getProperty("image.version", "0.1.0").replace("-SNAPSHOT", "");
        String base = System.getProperty("image.base");
        String registry = System.getProperty("quarkus.container-image.registry", "");
        String group = System.getProperty("quarkus.container-image.group", "");
        boolean push = Boolean.parseBoolean(System.getProperty("quarkus.container-image.push", "false"));
        String repository = (group.isBlank() ? "" : group + "/") + NAME;
        Path app = Path.of("target", "quarkus-app");
        if (push && !registry.isBlank()) {
            JibContainer pushed = builder(app, base)
                    .containerize(Containerizer.to(RegistryImage.named(ImageReference.of(registry, repository, tag))));
            System.out.println("pushed " + registry + "/" + repository + ":" + tag + " " + pushed.getDigest());
        } else {
            Path tar = Path.of("target", NAME + "-" + tag + ".tar");
            JibContainer built = toTar(app, base, repository + ":" + tag, tar);
            System.out.println("image " + repository + ":" + tag + " written to " + tar + " (" + built.getDigest()
                    + "); load it with: docker load -i " + tar);
        }
    }

    /** Builds the image into a tarball. */
    public static JibContainer toTar(Path app, String base, String reference, Path tar) throws Exception {
        return builder(app, base).containerize(Containerizer.to(TarImage.at(tar).named(reference)));
    }

    private static JibContainerBuilder builder(Path app, String base) throws Exception {
        if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException("no packaged service at " + app + ": run ./mvnw package first");
        }
        AbsoluteUnixPath deployments = AbsoluteUnixPath.get("/deployments");
        return Jib.from(base)
                .addFileEntriesLayer(layer("lib", app.resolve("lib/main"), deployments.resolve("lib/main")))
                .addFileEntriesLayer(layer("quarkus", app.resolve("quarkus"), deployments.resolve("quarkus")))
                .addFileEntriesLayer(layer("app", app.resolve("app"), deployments.resolve("app")))
                .addFileEntriesLayer(run(app, deployments))
                // JVM options come from the environment (JAVA_TOOL_OPTIONS): the chart's, or these defaults.
                .setEntrypoint(List.of(
                        "java",
                        "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                        "-jar",
                        "/deployments/quarkus-run.jar"))
                .setWorkingDirectory(deployments)
                .setUser("185")
                .setExposedPorts(Set.of(Port.tcp(9000), Port.tcp(8443)))
                .setEnvironment(Map.of(
                        "LANG",
                        "C.UTF-8",
                        "JAVA_TOOL_OPTIONS",
                        String.join(" ", dev.kashierrotator.testing.ChartJvm.options())))
                .setLabels(Map.of(
                        "org.opencontainers.image.title",
                        NAME,
                        "org.opencontainers.image.description",
                        "Kashier Key Rotator"));
    }

    /**
     * The launcher with the jars on its class path (lib/boot), and the class data sharing archive the build made
     * (quarkus.package.jar.appcds), if any. These keep their modification times (Jib would set 1970): the JVM
     * maps the archive only for the very jars it was made from, which it tells by path, size and that time.
     */
    private static FileEntriesLayer run(Path app, AbsoluteUnixPath deployments) throws IOException {
        FileEntriesLayer.Builder run = FileEntriesLayer.builder().setName("run");
        List<Path> classPath = new java.util.ArrayList<>(List.of(app.resolve("quarkus-run.jar")));
        try (java.util.stream.Stream<Path> boot = Files.list(app.resolve("lib/boot"))) {
            boot.sorted().forEach(classPath::add);
        }
        for (Path jar : classPath) {
            run.addEntry(
                    jar,
                    deployments.resolve(app.relativize(jar).toString()),
                    FilePermissions.DEFAULT_FILE_PERMISSIONS,
                    Files.getLastModifiedTime(jar).toInstant());
        }
        if (Files.isRegularFile(app.resolve("app-cds.jsa"))) {
            run.addEntry(app.resolve("app-cds.jsa"), deployments.resolve("app-cds.jsa"));
        }
        return run.build();
    }

    private static FileEntriesLayer layer(String name, Path from, AbsoluteUnixPath to) throws Exception {
        return FileEntriesLayer.builder()
                .setName(name)
                .addEntryRecursive(from, to)
                .build();
    }
}
