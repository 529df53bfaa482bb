package dev.kashierrotator.inventory;

import dev.kashierrotator.config.Choice;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * A notification channel as configured and checked at start-up ({@code rotator.notifications.<name>}).
 *
 * @param url    where it is sent (a Slack incoming-webhook URL is itself a secret: never shown)
 * @param secret the PagerDuty routing key or the webhook signing secret: never shown
 * @param events the event names it takes
 * @param modes  the key modes it takes
 * @param keys   the key ids it takes, or empty for every key
 */
public record NotificationChannel(
        String name,
        Type type,
        URI url,
        Optional<String> secret,
        Set<String> events,
        Set<Mode> modes,
        Set<String> keys,
        int attempts,
        Duration backoff,
        Duration timeout) {

    /** The kinds of channel. */
    public enum Type {
        SLACK,
        PAGERDUTY,
        WEBHOOK;

        /** As configured: {@code slack}, {@code pagerduty}, {@code webhook}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads a channel's type, in any case and spacing (as it always was), keeping other text as given. */
        public static final class Setting implements Converter<Choice<Type>> {
            @Override
            public Choice<Type> convert(String text) {
                Choice<Type> read = Choice.read(text.strip().toLowerCase(Locale.ROOT), values(), Type::id);
                return read == null || read.value().isPresent() ? read : Choice.read(text, values(), Type::id);
            }
        }
    }

    /** Every event a channel can take, by its configured name. */
    public static final Set<String> EVENTS = Set.of(
            "person-needed",
            "completed",
            "failed",
            "rolled-back",
            "aborted",
            "key-overdue",
            "schedule-paused",
            "schedule-resumed");

    /** PagerDuty's Events API v2 endpoint. */
    public static final URI PAGERDUTY_EVENTS = URI.create("https://events.pagerduty.com/v2/enqueue");

    /**
     * Whether this channel takes an event about a key of this mode and id (mode and key null: an event about
     * no key, such as a pause of the whole schedule, which only the event filter decides).
     */
    public boolean takes(String event, Mode mode, String keyId) {
        return events.contains(event)
                && (mode == null || modes.contains(mode))
                && (keyId == null || keys.isEmpty() || keys.contains(keyId));
    }

    /** Never the secret, nor a Slack URL (which is one). */
    @Override
    public String toString() {
        return "NotificationChannel[" + name + ", " + type + (type == Type.SLACK ? "" : ", " + url) + "]";
    }
}
