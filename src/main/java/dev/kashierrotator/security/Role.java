package dev.kashierrotator.security;

import dev.kashierrotator.inventory.Mode;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A named set of permissions, optionally limited to some modes.
 *
 * @param modes the modes whose keys the role may see and act on
 */
public record Role(String name, Set<Permission> permissions, Set<Mode> modes) {

    /** The default roles (docs/api.md). */
    public static final Map<String, Role> DEFAULTS = Map.of(
            "viewer", new Role("viewer", EnumSet.of(Permission.KEYS_READ, Permission.ROTATIONS_READ), all()),
            "operator",
                    new Role(
                            "operator",
                            EnumSet.of(
                                    Permission.KEYS_READ,
                                    Permission.ROTATIONS_READ,
                                    Permission.ROTATIONS_CREATE,
                                    Permission.ROTATIONS_CONFIRM,
                                    Permission.ROTATIONS_ABORT,
                                    Permission.SCHEDULE_PAUSE),
                            all()),
            "oncall",
                    new Role(
                            "oncall",
                            EnumSet.of(
                                    Permission.KEYS_READ,
                                    Permission.ROTATIONS_READ,
                                    Permission.ROTATIONS_CREATE,
                                    Permission.ROTATIONS_CONFIRM,
                                    Permission.ROTATIONS_ABORT,
                                    Permission.ROTATIONS_EMERGENCY,
                                    Permission.SCHEDULE_PAUSE),
                            all()),
            "admin", new Role("admin", EnumSet.allOf(Permission.class), all()));

    private static Set<Mode> all() {
        return EnumSet.allOf(Mode.class);
    }
}
