package dev.kashierrotator.schedule;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.Kv;
import dev.kashierrotator.vault.Versioned;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;

/**
 * Which notices about keys were given, in Vault at {@code <state-prefix>/notices/<name>}: every replica
 * ticks and sees the same overdue key, and the check-and-set write lets exactly one of them tell people.
 */
@ApplicationScoped
public class NoticeLedger {

    private final Kv kv;
    private final String folder;

    public NoticeLedger(Kv kv, RotatorConfig config) {
        this.kv = kv;
        this.folder = config.vault().statePrefix().replaceAll("^/+|/+$", "") + "/notices/";
    }

    /**
     * Records that the notice {@code name} was given for {@code about} (such as a key version).
     *
     * @return whether this call recorded it, so the caller tells people; false when it was recorded before
     *     (by this replica or another) for the same thing
     */
    public boolean first(String name, String about) {
        Optional<Versioned> seen = kv.read(folder + name);
        if (seen.isPresent() && about.equals(seen.get().data().get("about"))) {
            return false;
        }
        try {
            kv.write(
                    folder + name,
                    Map.of("about", about),
                    seen.map(Versioned::version).orElse(0L));
            return true;
        } catch (CasConflictException e) {
            return false;
        }
    }
}
