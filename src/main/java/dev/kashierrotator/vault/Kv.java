package dev.kashierrotator.vault;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A KV v2 mount, as the stores use it: versioned secrets, every write a check-and-set. {@link VaultKv}
 * speaks to Vault; the tests' fast tier has an in-memory one with the same check-and-set semantics, so the
 * real stores (claims, leases, records, keys) run on it unchanged.
 */
public interface Kv {

    /** The mount, such as {@code secret}. */
    String mount();

    /** The latest version of a secret, or empty when it does not exist or its latest version is deleted. */
    Optional<Versioned> read(String path);

    /** A given version of a secret, or empty when that version does not exist or was deleted or destroyed. */
    Optional<Versioned> read(String path, long version);

    /**
     * Writes a new version only if the current version is {@code expectedVersion} (0: must not exist yet).
     *
     * @return the version written
     * @throws CasConflictException when the secret changed in between
     */
    long write(String path, Map<String, String> data, long expectedVersion);

    /** Names directly below a folder (sub-folders end with '/'), empty when there is none. */
    List<String> list(String folder);

    /** Permanently destroys the data of some versions. */
    void destroy(String path, long... versions);
}
