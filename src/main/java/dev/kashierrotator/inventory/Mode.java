package dev.kashierrotator.inventory;

import java.util.Locale;
import java.util.Optional;

/** Kashier's two isolated modes: objects of one can never touch the other. */
public enum Mode {
    TEST,
    LIVE;

    /** The form used in config, URLs and the API. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Mode> of(String text) {
        if ("test".equals(text)) {
            return Optional.of(TEST);
        }
        if ("live".equals(text)) {
            return Optional.of(LIVE);
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return id();
    }
}
