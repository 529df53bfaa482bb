package dev.kashierrotator.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.ConfigurationProblem;
import dev.kashierrotator.config.ConfigurationProblems;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.config.VaultAuthMethod;
import dev.kashierrotator.util.Deadline;
import dev.kashierrotator.util.HttpClientProducer;
import dev.kashierrotator.util.TlsTrust;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.jopenlibs.vault.response.LookupResponse;
import io.github.jopenlibs.vault.response.VaultResponse;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * KV v2 access for the whole service, on one mount, through vault-java-driver. Paths are relative to
 * the mount. Every write is a check-and-set. Error messages name the path and the HTTP status, never a
 * response body (which could echo data).
 */
@ApplicationScoped
public class VaultKv implements Kv {

    private final String mount;
    private final String address;
    /** The Vault namespace every request is made in ({@code X-Vault-Namespace}); null for the root. */
    private final String namespace;

    private final ObjectMapper json;
    private final int timeoutSeconds;
    private final HttpClient http;
    private final RotatorConfig.VaultConfig.Auth auth;
    private final VaultAuthMethod method;
    private final String authMount;
    private final MeterRegistry metrics;
    private final Object loginLock = new Object();

    /** The client for the current token; null until the first login (AppRole, Kubernetes). */
    private volatile Vault vault;
    /** When the current token expires; null for a token without expiry (or not yet looked up). */
    private volatile Instant tokenExpiresAt;

    private volatile long leaseSeconds;
    private volatile boolean renewable;
    private volatile boolean looked;

    private final Clock clock;

    public VaultKv(RotatorConfig config, ObjectMapper json, MeterRegistry metrics, Clock clock) {
        this.clock = clock;
        this.mount = config.vault().mount().replaceAll("^/+|/+$", "");
        this.address = setting(config.vault().address(), "VAULT_ADDR").orElse(null);
        this.json = json;
        this.metrics = metrics;
        this.timeoutSeconds = config.vault().timeoutSeconds();
        this.auth = config.vault().auth();
        ConfigurationProblems problems = new ConfigurationProblems();
        check(config.vault(), problems);
        problems.throwIfAny();
        this.method = auth.method().value().orElseThrow();
        this.authMount = auth.mount().map(m -> m.replaceAll("^/+|/+$", "")).orElse(method.id());
        // Without its own client the driver builds a new HttpClient, with its own threads, for every
        // request: thousands of idle threads after a busy hour (found by a metrics scrape that stalled
        // walking them).
        HttpClient.Builder builder = HttpClientProducer.builder().connectTimeout(Duration.ofSeconds(timeoutSeconds));
        setting(config.vault().caFile(), "VAULT_CACERT")
                .ifPresent(file -> builder.sslContext(TlsTrust.load(file).orElseThrow()));
        this.namespace = setting(config.vault().namespace(), "VAULT_NAMESPACE")
                .map(n -> n.replaceAll("^/+|/+$", ""))
                .filter(n -> !n.isEmpty())
                .orElse(null);
        this.http = builder.build();
        if (method == VaultAuthMethod.TOKEN) {
            this.vault = client(setting(config.vault().token(), "VAULT_TOKEN").orElseThrow());
        }
        Gauge.builder(
                        "rotator.vault.token.ttl.seconds",
                        () -> tokenExpiresAt == null
                                ? Double.NaN
                                : Math.max(
                                        0,
                                        Duration.between(clock.instant(), tokenExpiresAt)
                                                .toSeconds()))
                .description("Seconds until the service's Vault token expires (NaN: no expiry known)")
                .register(metrics);
    }

    private Vault client(String token) {
        try {
            VaultConfig vc = new VaultConfig()
                    .address(address)
                    .engineVersion(2)
                    .prefixPathDepth(mount.split("/").length)
                    .openTimeout(timeoutSeconds)
                    .readTimeout(timeoutSeconds)
                    .httpClient(http);
            if (token != null) {
                vc.token(token);
            }
            if (namespace != null) {
                vc.nameSpace(namespace);
            }
            return Vault.create(vc.build());
        } catch (VaultException e) {
            throw new ConfigurationProblem(
                    "rotator.vault.address",
                    "cannot configure the Vault client for " + address + ": " + e.getMessage());
        }
    }

    /**
     * The rules of the Vault settings, adding each breach to {@code problems}: start-up's one collector
     * ({@code ConfigurationCheck}), and this client's guard when it is made.
     */
    public static void check(RotatorConfig.VaultConfig vault, ConfigurationProblems problems) {
        if (setting(vault.address(), "VAULT_ADDR").isEmpty()) {
            problems.add("rotator.vault.address", "not set; set VAULT_ADDR or rotator.vault.address");
        }
        setting(vault.caFile(), "VAULT_CACERT")
                .filter(file -> TlsTrust.load(file).isEmpty())
                .ifPresent(file -> problems.add(
                        "rotator.vault.ca-file (or VAULT_CACERT)", "'" + file + "' holds no readable PEM certificate"));
        RotatorConfig.VaultConfig.Auth auth = vault.auth();
        Optional<VaultAuthMethod> method = auth.method().in("rotator.vault.auth.method", problems);
        if (method.isEmpty()) {
            return;
        }
        switch (method.get()) {
            case TOKEN -> {
                if (setting(vault.token(), "VAULT_TOKEN").isEmpty()) {
                    problems.add("rotator.vault.token", "not set; set VAULT_TOKEN or rotator.vault.token");
                }
            }
            case APPROLE -> {
                if (auth.roleId().filter(s -> !s.isBlank()).isEmpty()) {
                    problems.add("rotator.vault.auth.role-id", "required for AppRole auth");
                }
                if (auth.secretId().isEmpty() && auth.secretIdFile().isEmpty()) {
                    problems.add(
                            "rotator.vault.auth.secret-id-file",
                            "required for AppRole auth (or rotator.vault.auth.secret-id)");
                }
            }
            case KUBERNETES -> {
                if (auth.role().filter(s -> !s.isBlank()).isEmpty()) {
                    problems.add("rotator.vault.auth.role", "required for Kubernetes auth");
                }
            }
        }
    }

    /**
     * The setting, else Vault's own variable ({@code VAULT_ADDR}, ...) read through the configuration,
     * so that it comes from a {@code .env} file in the working directory as well as from the environment.
     */
    private static Optional<String> setting(Optional<String> configured, String env) {
        return configured
                .filter(s -> !s.isBlank())
                .or(() -> ConfigProvider.getConfig().getOptionalValue(env, String.class))
                .filter(s -> !s.isBlank());
    }

    /** The auth method in use. */
    public VaultAuthMethod authMethod() {
        return method;
    }

    /** When the token expires, if it does and that is known. */
    public Optional<Instant> tokenExpiresAt() {
        return Optional.ofNullable(tokenExpiresAt);
    }

    private boolean canLogin() {
        return method != VaultAuthMethod.TOKEN;
    }

    private Vault vault() {
        Vault v = vault;
        if (v == null) {
            relogin(null);
            v = vault;
        }
        return v;
    }

    /** Logs in unless another thread already replaced the client that failed. */
    private void relogin(Vault failed) {
        synchronized (loginLock) {
            if (vault == failed) {
                login();
            }
        }
    }

    /**
     * Logs in with AppRole or Kubernetes auth and switches every later call to the new token. The
     * secret id and service account token are read from their files each time (both may be rotated).
     */
    private void login() {
        synchronized (loginLock) {
            String path = "auth/" + authMount + "/login";
            try {
                Vault anonymous = client(null);
                AuthResponse r = switch (method) {
                    case APPROLE ->
                        anonymous
                                .auth()
                                .loginByAppRole(
                                        authMount,
                                        auth.roleId().orElseThrow(),
                                        auth.secretIdFile()
                                                .map(VaultKv::readFile)
                                                .orElseGet(() -> auth.secretId().orElseThrow()));
                    case KUBERNETES ->
                        anonymous
                                .auth()
                                .loginByKubernetes(
                                        auth.role().orElseThrow(), readFile(auth.jwtFile()), "auth/" + authMount);
                    case TOKEN -> throw new IllegalStateException("token auth cannot log in");
                };
                int status = r.getRestResponse().getStatus();
                if (status != 200 || r.getAuthClientToken() == null) {
                    throw new VaultException("HTTP " + status, status);
                }
                adopt(r.getAuthClientToken(), r.getAuthLeaseDuration(), r.isAuthRenewable());
                metrics.counter("rotator_vault_logins", "method", method.id(), "outcome", "success")
                        .increment();
                Log.infof(
                        "logged in to Vault at %s with %s (%s); token lease %d s, renewable: %s",
                        address, method, path, leaseSeconds, renewable);
            } catch (VaultException e) {
                metrics.counter("rotator_vault_logins", "method", method.id(), "outcome", "failure")
                        .increment();
                int status = e.getHttpStatusCode();
                throw new VaultUnavailableException("Vault login with " + method + " at " + path + " failed"
                        + (status > 0
                                ? " with HTTP " + status + " (check the role and its credentials)"
                                : ": Vault at " + address + " is unreachable: " + rootCause(e)));
            }
        }
    }

    private void adopt(String token, long lease, boolean canRenew) {
        this.vault = client(token);
        this.leaseSeconds = lease;
        this.renewable = canRenew;
        this.tokenExpiresAt = lease > 0 ? clock.instant().plusSeconds(lease) : null;
        this.looked = true;
    }

    private static String readFile(String file) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file)).trim();
        } catch (java.io.IOException e) {
            throw new VaultUnavailableException(
                    "cannot read " + file + " for Vault login: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Keeps the token alive: in the last third of its lease it is renewed; when renewal fails or Vault
     * caps it near the token's max TTL, the service logs in again (AppRole, Kubernetes). A plain token
     * that cannot be renewed is reported in the log and by readiness once it expires.
     */
    public void maintainToken() {
        if (vault == null) {
            if (canLogin()) {
                relogin(null);
            }
            return;
        }
        if (!looked) {
            LookupResponse self = call("auth/token/lookup-self", v -> v.auth().lookupSelf());
            if (self.getRestResponse().getStatus() == 200) {
                leaseSeconds = self.getCreationTTL();
                renewable = self.isRenewable();
                tokenExpiresAt = self.getTTL() > 0 ? clock.instant().plusSeconds(self.getTTL()) : null;
                looked = true;
            }
        }
        Instant expires = tokenExpiresAt;
        if (expires == null || leaseSeconds <= 0) {
            return;
        }
        Duration remaining = Duration.between(clock.instant(), expires);
        if (remaining.toSeconds() > leaseSeconds / 3) {
            return;
        }
        if (renewable) {
            try {
                AuthResponse r = vault.auth().renewSelf(leaseSeconds);
                if (r.getRestResponse().getStatus() == 200 && r.getAuthLeaseDuration() > leaseSeconds / 3) {
                    tokenExpiresAt = clock.instant().plusSeconds(r.getAuthLeaseDuration());
                    metrics.counter("rotator_vault_token_renewals", "outcome", "renewed")
                            .increment();
                    Log.debugf("Vault token renewed for %d s", r.getAuthLeaseDuration());
                    return;
                }
                metrics.counter("rotator_vault_token_renewals", "outcome", "capped")
                        .increment();
            } catch (VaultException e) {
                metrics.counter("rotator_vault_token_renewals", "outcome", "failed")
                        .increment();
                Log.warnf(
                        "Vault token renewal failed (%s)",
                        e.getHttpStatusCode() > 0 ? "HTTP " + e.getHttpStatusCode() : rootCause(e));
            }
        }
        if (canLogin()) {
            relogin(vault);
        } else {
            Log.warnf(
                    "the Vault token expires in %d s and cannot be renewed: give the service a new token",
                    remaining.toSeconds());
        }
    }

    /** The KV v2 mount, such as {@code secret}. */
    @Override
    public String mount() {
        return mount;
    }

    /** Vault's address, for messages. */
    public String address() {
        return address;
    }

    /** The latest version of a secret, or empty when it does not exist or its latest version is deleted. */
    @Override
    public Optional<Versioned> read(String path) {
        return parseRead(path, call(path, v -> v.logical().read(full(path))));
    }

    /** A given version of a secret, or empty when that version does not exist or was deleted. */
    @Override
    public Optional<Versioned> read(String path, long version) {
        return parseRead(path, call(path, v -> v.logical().read(full(path), true, (int) version)));
    }

    /**
     * Writes a new version only if the current version is {@code expectedVersion} (0: the secret must
     * not exist yet).
     *
     * @return the version written
     * @throws CasConflictException when the secret changed in between
     */
    @Override
    public long write(String path, Map<String, String> data, long expectedVersion) {
        Map<String, Object> body = new LinkedHashMap<>(data);
        LogicalResponse r = call(
                path,
                v -> v.logical()
                        .write(
                                full(path),
                                body,
                                null,
                                new WriteOptions().checkAndSet(expectedVersion).build()));
        int status = r.getRestResponse().getStatus();
        if (status == 400 && bodyMentions(r, "check-and-set")) {
            throw new CasConflictException(path, expectedVersion);
        }
        if (status != 200 && status != 204) {
            throw failure("write", path, status);
        }
        JsonNode root = parse(r);
        return root.path("data").path("version").asLong(expectedVersion + 1);
    }

    /** Names directly below a folder (sub-folders end with '/'), empty when there is none. */
    @Override
    public List<String> list(String folder) {
        LogicalResponse r = call(folder, v -> v.logical().list(full(folder)));
        int status = r.getRestResponse().getStatus();
        if (status == 404) {
            return List.of();
        }
        if (status != 200) {
            throw failure("list", folder, status);
        }
        List<String> names = new ArrayList<>();
        parse(r).path("data").path("keys").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** Permanently destroys the data of some versions, for key material that must not linger. */
    @Override
    public void destroy(String path, long... versions) {
        int[] v = new int[versions.length];
        for (int i = 0; i < versions.length; i++) {
            v[i] = (int) versions[i];
        }
        LogicalResponse r = call(path, client -> client.logical().destroy(full(path), v));
        int status = r.getRestResponse().getStatus();
        if (status != 200 && status != 204) {
            throw failure("destroy", path, status);
        }
    }

    /** Checks that Vault answers and the token is valid; throws {@link VaultUnavailableException} otherwise. */
    public void checkToken() {
        for (int attempt = 1; ; attempt++) {
            int status;
            Vault used = vault();
            try {
                metrics.counter("rotator_vault_token_checks").increment();
                status = bounded(v -> v.auth().lookupSelf(), used, "auth/token/lookup-self")
                        .getRestResponse()
                        .getStatus();
            } catch (VaultException e) {
                status = e.getHttpStatusCode();
                if (status <= 0) {
                    throw new VaultUnavailableException("Vault at " + address + " is unreachable: " + rootCause(e));
                }
            }
            if (status == 200) {
                return;
            }
            if (status == 403 && canLogin() && attempt == 1) {
                relogin(used);
                continue;
            }
            throw new VaultUnavailableException("Vault at " + address + " rejected the token (HTTP " + status + ")");
        }
    }

    private Optional<Versioned> parseRead(String path, LogicalResponse r) {
        int status = r.getRestResponse().getStatus();
        if (status == 404) {
            return Optional.empty();
        }
        if (status != 200) {
            throw failure("read", path, status);
        }
        JsonNode outer = parse(r).path("data");
        JsonNode data = outer.path("data");
        if (data.isNull() || data.isMissingNode()) {
            return Optional.empty();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = data.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            fields.put(
                    e.getKey(),
                    e.getValue().isTextual()
                            ? e.getValue().asText()
                            : e.getValue().toString());
        }
        return Optional.of(
                new Versioned(fields, outer.path("metadata").path("version").asLong()));
    }

    private String full(String path) {
        return mount + "/" + path.replaceAll("^/+", "");
    }

    private JsonNode parse(LogicalResponse r) {
        byte[] body = r.getRestResponse().getBody();
        if (body == null || body.length == 0) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new VaultUnavailableException("Vault at " + address + " answered with a body that is not JSON");
        }
    }

    private static boolean bodyMentions(LogicalResponse r, String word) {
        byte[] body = r.getRestResponse().getBody();
        return body != null && new String(body, StandardCharsets.UTF_8).contains(word);
    }

    private VaultUnavailableException failure(String op, String path, int status) {
        String why = switch (status) {
            case 403 -> " (permission denied: check the token and its policy)";
            case 503 -> " (Vault is sealed or in standby)";
            default -> "";
        };
        return new VaultUnavailableException(
                "Vault " + op + " of " + mount + "/" + path + " failed with HTTP " + status + why);
    }

    private <T> T call(String path, VaultCall<T> call) {
        Vault used = vault();
        try {
            T result = bounded(call, used, path);
            if (canLogin()
                    && result instanceof VaultResponse r
                    && r.getRestResponse().getStatus() == 403) {
                // Revoked or expired under us: log in again and try once more.
                relogin(used);
                return bounded(call, vault(), path);
            }
            return result;
        } catch (VaultException e) {
            int status = e.getHttpStatusCode();
            if (status == 403 && canLogin()) {
                relogin(used);
                try {
                    return bounded(call, vault(), path);
                } catch (VaultException again) {
                    status = again.getHttpStatusCode();
                    e = again;
                }
            }
            if (status > 0) {
                throw failure("call", path, status);
            }
            throw new VaultUnavailableException(
                    "Vault at " + address + " is unreachable (" + mount + "/" + path + "): " + rootCause(e));
        }
    }

    /**
     * Runs one driver call within a wall-clock bound (connect plus read timeout, plus a second). The
     * driver's read timeout is the JDK's, which stops applying once headers arrive: a Vault (or a load
     * balancer in front of it) that stalls mid-answer would hold the caller, and with it a rotation or
     * the lease keeper, forever.
     */
    private <T> T bounded(VaultCall<T> call, Vault used, String path) throws VaultException {
        Duration within = Duration.ofSeconds(timeoutSeconds * 2L + 1);
        try (Deadline deadline = Deadline.start(within)) {
            try {
                return call.run(used);
            } catch (VaultException | RuntimeException e) {
                if (deadline.passed()) {
                    throw new VaultUnavailableException("Vault at " + address + " gave no complete answer within "
                            + within.toSeconds() + " s (" + mount + "/" + path + ")");
                }
                throw e;
            }
        }
    }

    private static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName()
                + (c.getMessage() == null || c.getMessage().contains("Response body") ? "" : ": " + c.getMessage());
    }

    @FunctionalInterface
    private interface VaultCall<T> {
        T run(Vault vault) throws VaultException;
    }
}
