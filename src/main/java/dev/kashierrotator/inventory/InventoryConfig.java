package dev.kashierrotator.inventory;

import dev.kashierrotator.config.Choice;
import dev.kashierrotator.config.DurationSetting;
import dev.kashierrotator.config.Secret;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inventory as configured ({@code rotator.accounts}, {@code keys}, {@code rollout}, {@code notifications};
 * the {@code dependents} are read by {@link DependentSettings}; docs/configuration.md): the service's own settings are {@code config.RotatorConfig}.
 * Durations and closed sets are converted as they are read, keeping text that is none of them, so that
 * {@link InventoryLoader} names the entry with every other problem at once.
 */
@ConfigMapping(prefix = "rotator")
public interface InventoryConfig {

    /** Merchant accounts by local name. */
    Map<String, Account> accounts();

    /** Kashier keys by key id (the id used in the API and in Vault paths). */
    Map<String, Key> keys();

    /** Default wave policy for every rotation. */
    Rollout rollout();

    /** Where people are told, at once, that a rotation needs them or ended badly (docs/notifications.md). */
    Map<String, Notification> notifications();

    /** One notification channel. */
    interface Notification {
        /** {@code slack} (incoming webhook), {@code pagerduty} (Events API v2) or {@code webhook} (signed). */
        @WithConverter(NotificationChannel.Type.Setting.class)
        Choice<NotificationChannel.Type> type();

        /**
         * slack: the incoming-webhook URL (a secret: set it from one, {@code ROTATOR_NOTIFICATIONS_<NAME>_URL});
         * webhook: the receiver's URL; pagerduty: the Events API endpoint (default PagerDuty's).
         */
        @Secret(whenType = "slack")
        Optional<String> url();

        /** pagerduty: the integration's routing key (a secret: {@code ROTATOR_NOTIFICATIONS_<NAME>_ROUTING_KEY}). */
        @Secret
        Optional<String> routingKey();

        /** webhook: HMAC-SHA256 secret for {@code X-Rotator-Signature}, as for dependent deliveries. */
        @Secret
        Optional<String> signingSecret();

        /**
         * Events sent (default all): {@code person-needed}, {@code completed}, {@code failed},
         * {@code rolled-back}, {@code aborted}, {@code key-overdue}, {@code schedule-paused},
         * {@code schedule-resumed}.
         */
        Optional<List<String>> events();

        /** Only rotations of keys of these modes ({@code test}, {@code live}); default both. */
        Optional<List<@WithConverter(Mode.Setting.class) Choice<Mode>>> modes();

        /** Only these key ids; default every key. */
        Optional<List<String>> keys();

        /** Tries per notification before it is dropped (and counted), with doubling pauses in between. */
        @WithDefault("6")
        int attempts();

        /** The pause after the first failed try; it doubles with each further one. */
        @WithDefault("2s")
        DurationSetting backoff();

        /** How long one try may take before it counts as failed. */
        @WithDefault("10s")
        DurationSetting timeout();
    }

    interface Account {
        /** Kashier merchant id, such as {@code MID-3552-454}. */
        String mid();
    }

    interface Key {
        /** Name of the account in {@code rotator.accounts}. */
        String account();

        /** {@code test} or {@code live}. */
        @WithConverter(Mode.Setting.class)
        Choice<Mode> mode();

        /** {@code payment-api-key} or {@code secret-key}. */
        @WithConverter(KeyKind.Setting.class)
        Choice<KeyKind> kind();

        /** When the key rotates by itself. */
        Optional<Schedule> schedule();

        /** How long the previous payment key stays valid after a rotation. */
        @WithDefault("24h")
        DurationSetting grace();

        /** Secret keys: {@code single-user} or {@code alternating-users}. */
        @WithDefault("single-user")
        @WithConverter(Strategy.Setting.class)
        Choice<Strategy> strategy();

        /** Secret keys, single-user: the Kashier dashboard user whose key this is. */
        @WithDefault("default")
        String user();

        /** Secret keys, alternating-users: the two users taking turns. */
        Optional<List<String>> users();

        /** This key's wave policy, overriding {@code rotator.rollout} field by field. */
        Optional<KeyRollout> rollout();
    }

    interface Schedule {
        /** Rotate this long after the last rotation, such as {@code 30d}. */
        Optional<DurationSetting> every();

        /** Or: rotate on this Quartz cron expression. */
        Optional<String> cron();

        /** A due rotation may start only inside this window after it falls due. */
        Optional<DurationSetting> window();

        /** Spreads keys of the same schedule: a fixed per-key offset of up to this much is added. */
        Optional<DurationSetting> jitter();

        /** Periods in which this key never rotates by schedule (see {@code rotator.schedule.blackouts}). */
        Optional<List<String>> blackouts();

        /**
         * IANA time zone (such as {@code Africa/Cairo}) in which this key's cron times, hence its windows, and
         * its own weekly blackouts are read; default {@code rotator.schedule.zone}.
         */
        Optional<String> zone();
    }

    interface Rollout {
        /** Pause after each wave before the next. */
        @WithDefault("30s")
        DurationSetting soak();

        /** Dependents updated in parallel within a wave. */
        @WithDefault("16")
        int maxConcurrency();

        /** How long a dependent may take to report the new fingerprint. */
        @WithDefault("60s")
        DurationSetting verifyTimeout();

        /** Delivery attempts per dependent before it counts as failed. */
        @WithDefault("3")
        int deliveryAttempts();

        /** How long one delivery call may take. */
        @WithDefault("10s")
        DurationSetting callTimeout();

        /**
         * Share of a wave's dependents that may fail without failing the wave, such as {@code 10%}; waves
         * after the canary only (wave 0 tolerates no failure).
         */
        @WithDefault("0%")
        String failureThreshold();

        /** Calls to one dependent looked at before its circuit breaker may open (all must have failed). */
        @WithDefault("4")
        int breakerThreshold();

        /** How long an open circuit breaker fails calls to its dependent fast before trying again. */
        @WithDefault("30s")
        Duration breakerDelay();
    }

    /** A key's own wave policy; what it leaves out comes from {@code rotator.rollout}. */
    interface KeyRollout {
        Optional<DurationSetting> soak();

        Optional<Integer> maxConcurrency();

        Optional<DurationSetting> verifyTimeout();

        Optional<Integer> deliveryAttempts();

        Optional<DurationSetting> callTimeout();

        Optional<String> failureThreshold();
    }

    /**
     * A system that uses keys and receives them when they rotate ({@code rotator.dependents.<id>}). Read by
     * {@link DependentSettings} in one pass, not by the mapping (an inventory of a thousand made SmallRye's
     * start-up quadratic), honouring the same annotations: name, default, converter.
     */
    interface Dependent {
        /** Key ids this dependent uses. */
        List<String> keys();

        /** Wave number; 0 is the canary. Waves run in ascending order. */
        @WithDefault("0")
        int wave();

        /** {@code webhook}, {@code vault-kv} or {@code kubernetes-secret}. */
        @WithConverter(DependentType.Setting.class)
        Choice<DependentType> type();

        /** webhook: where {@code key.rotated} is POSTed. */
        Optional<String> url();

        /**
         * webhook, and vault-kv with {@code confirm: verify-url}: polled until it reports the new fingerprint
         * (docs/webhook-protocol.md, "The verify-url").
         */
        Optional<String> verifyUrl();

        /** webhook: HMAC-SHA256 secret for {@code X-Rotator-Signature}. */
        @Secret
        Optional<String> signingSecret();

        /** webhook: PEM file of the CA(s) trusted for this dependent's https URLs, instead of the JVM's trust store. */
        Optional<String> caBundle();

        /** webhook: {@code inline} (key in the body) or {@code reference} (Vault path only). */
        @WithDefault("inline")
        @WithConverter(Delivery.Setting.class)
        Choice<Delivery> delivery();

        /** vault-kv: path under the mount that receives {@code <path>/<keyId>}. */
        Optional<String> path();

        /**
         * vault-kv: how the consuming service confirms that it uses the new key: {@code verify-url} (its
         * fingerprint endpoint), {@code confirm-path} (it writes the fingerprint it uses to a Vault path) or
         * {@code read-back} (only that Vault holds it). Implied by {@code verify-url} or {@code confirm-path}.
         */
        @WithConverter(Confirmation.Setting.class)
        Optional<Choice<Confirmation>> confirm();

        /**
         * vault-kv: path under the mount where the consumer writes {@code <confirm-path>/<keyId>} holding
         * {@code fingerprint}: the fingerprint of the key it uses.
         */
        Optional<String> confirmPath();

        /** kubernetes-secret: namespace of the Secret. */
        Optional<String> namespace();

        /** kubernetes-secret: name of the Secret. */
        @WithName("secret")
        Optional<String> secretName();

        /**
         * kubernetes-secret: workloads restarted after the Secret changes: {@code deployment/NAME},
         * {@code statefulset/NAME}, {@code daemonset/NAME}, or a bare Deployment name.
         */
        Optional<List<String>> restart();
    }
}
