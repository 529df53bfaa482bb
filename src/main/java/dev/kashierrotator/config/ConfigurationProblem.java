package dev.kashierrotator.config;

/**
 * One configuration entry is wrong, found where it is used (the Vault client, the dashboard): start-up
 * stops and says which entry and why. Recognised by its type ({@code StartupFailure}), never by its text.
 */
public class ConfigurationProblem extends IllegalStateException {

    private final String entry;

    /** {@code entry} is the property, such as {@code rotator.vault.auth.role}; {@code why} what is wrong with it. */
    public ConfigurationProblem(String entry, String why) {
        super(entry + ": " + why);
        this.entry = entry;
    }

    private ConfigurationProblem(String entry, String message, Void whole) {
        super(message);
        this.entry = entry;
    }

    /** A problem whose whole message is given; it must begin with the entry it names. */
    public static ConfigurationProblem saying(String entry, String message) {
        if (!message.startsWith(entry)) {
            throw new IllegalArgumentException("a configuration problem names its entry first: " + entry);
        }
        return new ConfigurationProblem(entry, message, null);
    }

    /** The configuration entry at fault. */
    public String entry() {
        return entry;
    }
}
