package dev.kashierrotator;

import dev.kashierrotator.config.ConfigurationProblem;
import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.util.KeyMaskingFilter;
import io.quarkus.runtime.QuarkusBindException;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * Why the service could not start, told the way a person fixes it: the setting and what to do, one
 * line per problem. Failures it does not recognise keep their stack trace (masked of anything shaped
 * like a key), as they are bugs rather than settings.
 */
public final class StartupFailure {

    private final String message;
    private final boolean understood;
    private final Throwable failure;

    private StartupFailure(String message, boolean understood, Throwable failure) {
        this.message = KeyMaskingFilter.mask(message);
        this.understood = understood;
        this.failure = failure;
    }

    /** The explanation of this start-up failure. */
    public static StartupFailure of(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        for (Throwable t : chain) {
            if (t instanceof InvalidConfiguration invalid) {
                // One problem, one line; several under a heading, one line each.
                return understood(
                        invalid.problems().size() == 1
                                ? "cannot start: " + invalid.problems().get(0)
                                : invalid.getMessage(),
                        failure);
            }
            if (t instanceof ConfigurationProblem) {
                return understood("cannot start: " + t.getMessage(), failure);
            }
            if (t instanceof NoSuchFileException) {
                return understood(missingFile(((NoSuchFileException) t).getFile()), failure);
            }
            if (t instanceof QuarkusBindException) {
                QuarkusBindException bind = (QuarkusBindException) t;
                return understood(
                        "cannot start: port " + bind.getPort() + " on " + bind.getHost() + " is already in use by "
                                + "another process; stop it or choose other ports (quarkus.http.port, "
                                + "quarkus.http.ssl-port, quarkus.management.port)",
                        failure);
            }
        }
        for (Throwable t : chain) {
            String text = t.getMessage() == null ? "" : t.getMessage();
            if (text.contains("The reload period cannot be less than")) {
                return understood(
                        "cannot start: ROTATOR_TLS_RELOAD_PERIOD (quarkus.http.ssl.certificate.reload-period): "
                                + "must be at least 30s",
                        failure);
            }
            // Quarkus's and MicroProfile's own checks name their entry first: "quarkus.http.port: ...".
            if (t instanceof IllegalStateException && text.matches("(?s)(quarkus|mp)\\.[a-z0-9.-]+[: ].*")) {
                return understood("cannot start: " + text, failure);
            }
            if (t instanceof ConfigurationException || t.getClass().getName().endsWith("ConfigValidationException")) {
                return understood("cannot start, invalid configuration: " + text, failure);
            }
        }
        Throwable root = chain.get(chain.size() - 1);
        return new StartupFailure(
                "cannot start: " + root.getClass().getSimpleName() + ": " + root.getMessage(), false, failure);
    }

    private static StartupFailure understood(String message, Throwable failure) {
        return new StartupFailure(message, true, failure);
    }

    private static String missingFile(String file) {
        String name = file == null ? "" : file;
        boolean key = name.equals(tlsSetting("ROTATOR_TLS_KEY_FILE", "tls.key"));
        boolean cert = name.equals(tlsSetting("ROTATOR_TLS_CERT_FILE", "tls.crt"));
        if (key || (!cert && name.endsWith(".key"))) {
            return "cannot start: ROTATOR_TLS_KEY_FILE (quarkus.http.ssl.certificate.key-files): no file at " + name
                    + "; the API's TLS private key is read from there: mount the TLS Secret (chart value "
                    + "tls.secretName) or set ROTATOR_TLS_KEY_FILE to a PEM private key";
        }
        if (cert || name.endsWith(".crt") || name.endsWith(".pem")) {
            return "cannot start: ROTATOR_TLS_CERT_FILE (quarkus.http.ssl.certificate.files): no file at " + name
                    + "; the API's TLS certificate is read from there: mount the TLS Secret (chart value "
                    + "tls.secretName) or set ROTATOR_TLS_CERT_FILE to a PEM certificate";
        }
        return "cannot start: no file at " + name + " (a file the configuration names)";
    }

    /** Where the prod profile reads a TLS file from: the system property or variable, else the default. */
    private static String tlsSetting(String name, String file) {
        String value = System.getProperty(name, System.getenv(name));
        return value == null || value.isBlank() ? "/etc/kashier-key-rotator/tls/" + file : value;
    }

    /** What to tell the person: one line per problem. */
    public String message() {
        return message;
    }

    /** Whether this is a failure a person fixes from the message alone (no stack trace needed). */
    public boolean understood() {
        return understood;
    }

    /** The failure's stack trace, anything shaped like a key masked. */
    public void printTrace(PrintStream out) {
        List<Throwable> seen = new ArrayList<>();
        for (Throwable t = failure; t != null && !seen.contains(t); t = t.getCause()) {
            seen.add(t);
            String message = t.getMessage() == null ? "" : ": " + KeyMaskingFilter.mask(t.getMessage());
            out.println((t == failure ? "" : "Caused by: ") + t.getClass().getName() + message);
            for (StackTraceElement frame : t.getStackTrace()) {
                out.println("\tat " + frame);
            }
        }
    }
}
