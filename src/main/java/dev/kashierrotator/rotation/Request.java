package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeyKind;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.Mode;
import java.util.Objects;

/**
 * A rotation as it was asked for and planned: which key (its account, mode and kind), what started it, who
 * asked and why, and whether as an emergency in which order. {@link RotationRequest} is the ask before a
 * rotation exists; this is what the record keeps of it. A value, never changed; flat in the record's
 * document ({@code keyId}, {@code trigger}, {@code requestedBy}, {@code reason}, {@code mid}, {@code mode},
 * {@code kind}, {@code emergency}, {@code order}).
 */
@Document
public final class Request {

    private String keyId;
    private Trigger trigger;
    private String requestedBy;
    private String reason;
    private String mid;
    private Mode mode;
    private KeyKind kind;
    private boolean emergency;
    /** Emergency only (null otherwise). */
    private EmergencyOrder order;

    /** For Jackson, which reads the record's flat fields into a new value. */
    private Request() {}

    /** The request for this key; an emergency without an order is push-first. */
    Request(KeySpec key, RotationRequest asked) {
        this.keyId = key.id();
        this.mid = key.mid();
        this.mode = key.mode();
        this.kind = key.kind();
        this.trigger = asked.trigger();
        this.requestedBy = asked.requestedBy();
        this.reason = asked.reason();
        this.emergency = asked.emergency();
        this.order = asked.emergency() ? Objects.requireNonNullElse(asked.order(), EmergencyOrder.PUSH_FIRST) : null;
    }

    public String keyId() {
        return keyId;
    }

    public Trigger trigger() {
        return trigger;
    }

    public String requestedBy() {
        return requestedBy;
    }

    public String reason() {
        return reason;
    }

    public String mid() {
        return mid;
    }

    /** The key's mode; null in a record an older version or a hand edit left without a valid one. */
    public Mode mode() {
        return mode;
    }

    /** The key's kind; null in a record an older version or a hand edit left without a valid one. */
    public KeyKind kind() {
        return kind;
    }

    /** The mode's id, as metrics and notices write it; empty when the record has none. */
    public String modeId() {
        return mode == null ? "" : mode.id();
    }

    /** The kind's id, as metrics write it; empty when the record has none. */
    public String kindId() {
        return kind == null ? "" : kind.id();
    }

    public boolean emergency() {
        return emergency;
    }

    public EmergencyOrder order() {
        return order;
    }
}
