package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** What started a rotation; written in the record, the API and metrics by its id. */
public enum Trigger {
    SCHEDULED("scheduled"),
    MANUAL("manual"),
    EMERGENCY("emergency");

    private final String id;

    Trigger(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static Trigger of(String id) {
        return Arrays.stream(values())
                .filter(t -> t.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown trigger '" + id + "'"));
    }

    @Override
    public String toString() {
        return id;
    }
}
