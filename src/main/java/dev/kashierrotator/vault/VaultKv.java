package dev.kashierrotator.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.util.HttpClientProducer;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.jopenlibs.vault.response.VaultResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KV v2 access for the whole service, on one mount, through vault-java-driver. Paths are relative to
 * the mount. Every write is a check-and-set. Error messages name the path and the HTTP status, never a
 * response body (which could echo data).
 */
@ApplicationScoped
public class VaultKv {

    private final String mount;
    private final Vault vault;
    private final String address;
    private final ObjectMapper json;

    public VaultKv(RotatorConfig config, ObjectMapper json) {
        this.mount = config.vault().mount().replaceAll("^/+|/+$", "");
        this.address = resolve(config.vault().address(), "VAULT_ADDR", "rotator.vault.address");
        String token = resolve(config.vault().token(), "VAULT_TOKEN", "rotator.vault.token");
        this.json = json;
        try {
            VaultConfig vc = new VaultConfig()
                    .address(address)
                    .token(token)
                    .engineVersion(2)
                    .prefixPathDepth(mount.split("/").length)
                    .openTimeout(config.vault().timeoutSeconds())
                    .readTimeout(config.vault().timeoutSeconds())
                    // Without its own client the driver builds a new HttpClient, with its own threads, for
                    // every request: thousands of idle threads after a busy hour (found by a metrics scrape
                    // that stalled walking them).
                    .httpClient(HttpClientProducer.builder()
                            .connectTimeout(Duration.ofSeconds(config.vault().timeoutSeconds()))
                            .build())
                    .build();
            this.vault = Vault.create(vc);
        } catch (VaultException e) {
            throw new IllegalStateException("rotator.vault.address: cannot configure the Vault client for "
                    + address + ": " + e.getMessage());
        }
    }

    private static String resolve(Optional<String> configured, String env, String property) {
        String value = configured.filter(s -> !s.isBlank()).orElse(System.getenv(env));
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(property + ": not set; set " + env + " or " + property);
        }
        return value;
    }

    /** The KV v2 mount, such as {@code secret}. */
    public String mount() {
        return mount;
    }

    /** Vault's address, for messages. */
    public String address() {
        return address;
    }

    /** The latest version of a secret, or empty when it does not exist or its latest version is deleted. */
    public Optional<Versioned> read(String path) {
        return parseRead(path, call(path, () -> vault.logical().read(full(path))));
    }

    /** A given version of a secret, or empty when that version does not exist or was deleted. */
    public Optional<Versioned> read(String path, long version) {
        return parseRead(path, call(path, () -> vault.logical().read(full(path), true, (int) version)));
    }

    /**
     * Writes a new version only if the current version is {@code expectedVersion} (0: the secret must
     * not exist yet).
     *
     * @return the version written
     * @throws CasConflictException when the secret changed in between
     */
    public long write(String path, Map<String, String> data, long expectedVersion) {
        Map<String, Object> body = new LinkedHashMap<>(data);
        LogicalResponse r = call(path, () -> vault.logical().write(full(path), body, null,
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
    public List<String> list(String folder) {
        LogicalResponse r = call(folder, () -> vault.logical().list(full(folder)));
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
    public void destroy(String path, long... versions) {
        int[] v = new int[versions.length];
        for (int i = 0; i < versions.length; i++) {
            v[i] = (int) versions[i];
        }
        LogicalResponse r = call(path, () -> vault.logical().destroy(full(path), v));
        int status = r.getRestResponse().getStatus();
        if (status != 200 && status != 204) {
            throw failure("destroy", path, status);
        }
    }

    /** Checks that Vault answers and the token is valid; throws {@link VaultUnavailableException} otherwise. */
    public void checkToken() {
        try {
            VaultResponse r = vault.auth().lookupSelf();
            int status = r.getRestResponse().getStatus();
            if (status != 200) {
                throw new VaultUnavailableException("Vault at " + address + " rejected the token (HTTP " + status + ")");
            }
        } catch (VaultException e) {
            int status = e.getHttpStatusCode();
            throw new VaultUnavailableException(status > 0
                    ? "Vault at " + address + " rejected the token (HTTP " + status + ")"
                    : "Vault at " + address + " is unreachable: " + rootCause(e));
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
            fields.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
        }
        return Optional.of(new Versioned(fields, outer.path("metadata").path("version").asLong()));
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
        return new VaultUnavailableException("Vault " + op + " of " + mount + "/" + path + " failed with HTTP "
                + status + why);
    }

    private <T> T call(String path, VaultCall<T> call) {
        try {
            return call.run();
        } catch (VaultException e) {
            int status = e.getHttpStatusCode();
            if (status > 0) {
                throw failure("call", path, status);
            }
            throw new VaultUnavailableException("Vault at " + address + " is unreachable (" + mount + "/" + path
                    + "): " + rootCause(e));
        }
    }

    private static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null || c.getMessage().contains("Response body")
                ? "" : ": " + c.getMessage());
    }

    @FunctionalInterface
    private interface VaultCall<T> {
        T run() throws VaultException;
    }
}
