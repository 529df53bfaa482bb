package dev.kashierrotator.testing;

import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.Kv;
import dev.kashierrotator.vault.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A KV v2 mount in memory with Vault's semantics where the stores rely on them: versions from 1, every
 * write a check-and-set on the current version (0: must not exist), destroyed versions read as absent,
 * listing of the names directly below a folder.
 */
public final class InMemoryKv implements Kv {

    private final String mount;
    /** Path to its versions; index i holds version i + 1, null once destroyed. */
    private final Map<String, List<Map<String, String>>> secrets = new TreeMap<>();

    public InMemoryKv(String mount) {
        this.mount = mount;
    }

    @Override
    public String mount() {
        return mount;
    }

    @Override
    public synchronized Optional<Versioned> read(String path) {
        List<Map<String, String>> versions = secrets.get(path);
        if (versions == null || versions.isEmpty()) {
            return Optional.empty();
        }
        return read(path, versions.size());
    }

    @Override
    public synchronized Optional<Versioned> read(String path, long version) {
        List<Map<String, String>> versions = secrets.get(path);
        if (versions == null || version < 1 || version > versions.size() || versions.get((int) version - 1) == null) {
            return Optional.empty();
        }
        return Optional.of(new Versioned(Map.copyOf(versions.get((int) version - 1)), version));
    }

    @Override
    public synchronized long write(String path, Map<String, String> data, long expectedVersion) {
        List<Map<String, String>> versions = secrets.computeIfAbsent(path, p -> new ArrayList<>());
        if (versions.size() != expectedVersion) {
            throw new CasConflictException(path, expectedVersion);
        }
        versions.add(Map.copyOf(data));
        return versions.size();
    }

    @Override
    public synchronized List<String> list(String folder) {
        String prefix = folder.endsWith("/") ? folder : folder + "/";
        TreeSet<String> names = new TreeSet<>();
        for (String path : secrets.keySet()) {
            if (path.startsWith(prefix)) {
                String rest = path.substring(prefix.length());
                int slash = rest.indexOf('/');
                names.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        return List.copyOf(names);
    }

    @Override
    public synchronized void destroy(String path, long... versions) {
        List<Map<String, String>> all = secrets.get(path);
        if (all == null) {
            return;
        }
        for (long v : versions) {
            if (v >= 1 && v <= all.size()) {
                all.set((int) v - 1, null);
            }
        }
    }
}
