package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One key of a rotation, by reference and never by value: its fingerprint, its Vault version and, for a
 * payment key, its id on Kashier's side. A value; a rotation has an old one and a new one, flat in the
 * record's document under their prefix ({@code oldFingerprint}, {@code oldVersion}, {@code oldKashierKeyId},
 * and the same with {@code new}), hence the capitalised property names.
 */
@Document
public final class KeyRef {

    /** Not known yet (the new key before it is issued). */
    static final KeyRef NONE = new KeyRef();

    @JsonProperty("Fingerprint")
    private String fingerprint;
    /** The Vault version holding it; null until it is the current version. */
    @JsonProperty("Version")
    private Long version;

    @JsonProperty("KashierKeyId")
    private String kashierKeyId;

    /** For Jackson, which reads the record's flat fields into a new value. */
    private KeyRef() {}

    KeyRef(String fingerprint, Long version, String kashierKeyId) {
        this.fingerprint = fingerprint;
        this.version = version;
        this.kashierKeyId = kashierKeyId;
    }

    public String fingerprint() {
        return fingerprint;
    }

    public Long version() {
        return version;
    }

    /** A payment key's id on Kashier's side; null for a secret key. */
    public String kashierKeyId() {
        return kashierKeyId;
    }

    /** The same key, now known by this fingerprint and id. */
    KeyRef issued(String newFingerprint, String newKashierKeyId) {
        return new KeyRef(newFingerprint, version, newKashierKeyId);
    }

    /** The same key, known by this fingerprint now (a person's answer, or null when it was never kept). */
    KeyRef withFingerprint(String newFingerprint) {
        return new KeyRef(newFingerprint, version, kashierKeyId);
    }

    /** The same key, now the current version in Vault. */
    KeyRef promoted(long newVersion) {
        return new KeyRef(fingerprint, newVersion, kashierKeyId);
    }
}
