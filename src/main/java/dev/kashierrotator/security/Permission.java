package dev.kashierrotator.security;

import java.util.Arrays;
import java.util.Optional;

/** What a caller may do (docs/api.md). */
public enum Permission {
    KEYS_READ("keys:read"),
    ROTATIONS_READ("rotations:read"),
    ROTATIONS_CREATE("rotations:create"),
    ROTATIONS_CONFIRM("rotations:confirm"),
    ROTATIONS_ABORT("rotations:abort"),
    ROTATIONS_EMERGENCY("rotations:emergency"),
    AUDIT_READ("audit:read"),
    /** Pause and resume the schedule (scheduled rotations only). */
    SCHEDULE_PAUSE("schedule:pause");

    private final String id;

    Permission(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Permission> of(String text) {
        return Arrays.stream(values()).filter(p -> p.id.equals(text)).findFirst();
    }

    @Override
    public String toString() {
        return id;
    }
}
