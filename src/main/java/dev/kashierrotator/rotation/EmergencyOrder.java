package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * In which order an emergency kills the leaked key: {@code push-first} hands every dependent the new key,
 * then expires the old one; {@code revoke-first} expires it as soon as a verified new key exists.
 */
public enum EmergencyOrder {
    PUSH_FIRST("push-first"),
    REVOKE_FIRST("revoke-first");

    private final String id;

    EmergencyOrder(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    /** The order with this id, if there is one (for a person's input). */
    public static Optional<EmergencyOrder> find(String id) {
        return Arrays.stream(values()).filter(o -> o.id.equals(id)).findFirst();
    }

    @JsonCreator
    public static EmergencyOrder of(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException("unknown emergency order '" + id + "'"));
    }

    @Override
    public String toString() {
        return id;
    }
}
