package dev.kashierrotator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole {@code rotator} configuration: Vault layout, Kashier access, the key inventory, the
 * rollout policy and the dependents (docs/configuration.md). Values stay strings where the service wants to
 * report a bad value itself, naming the entry, instead of failing inside the config converter.
 */
@ConfigMapping(prefix = "rotator")
public interface RotatorConfig {

    /** Where keys and the service's own state live in Vault. */
    VaultConfig vault();

    /** How the service reaches Kashier: dashboard step and API base URLs. */
    Kashier kashier();

    /** Merchant accounts by local name. */
    Map<String, Account> accounts();

    /** Kashier keys by key id (the id used in the API and in Vault paths). */
    Map<String, Key> keys();

    /** Default wave policy for every rotation. */
    Rollout rollout();

    /** Systems that use keys and receive them when they rotate. */
    Map<String, Dependent> dependents();

    /** Where people are told, at once, that a rotation needs them or ended badly (docs/notifications.md). */
    Map<String, Notification> notifications();

    /** One notification channel. */
    interface Notification {
        /** {@code slack} (incoming webhook), {@code pagerduty} (Events API v2) or {@code webhook} (signed). */
        String type();

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
        Optional<List<String>> modes();

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

    /**
     * The URL people use to reach this service (such as {@code https://kkr.payments.example.com}); the
     * instructions for a person at the Kashier dashboard name it. Without it they say {@code <service>}.
     */
    Optional<String> publicUrl();

    /** Break-glass bearer token with the admin role (env {@code ROTATOR_BOOTSTRAP_TOKEN}). */
    @Secret
    Optional<String> bootstrapToken();

    /** API tokens and roles. */
    Security security();

    interface Security {
        /** API tokens by name, stored only as the SHA-256 hex of the token. */
        Map<String, Token> tokens();

        /** Custom roles by name, beside viewer, operator, oncall and admin. */
        Map<String, Role> roles();

        /** OIDC/JWT bearer tokens, verified with the {@code mp.jwt.verify.*} settings of SmallRye JWT. */
        Jwt jwt();

        /**
         * Production transport rules: {@code /api} only over HTTPS (with HSTS); every Kashier base URL,
         * webhook URL and the Vault address must be https unless on loopback; the simulator may not be
         * served. Off in the dev and test profiles.
         */
        @WithDefault("true")
        boolean httpsOnly();

        /**
         * Allow plain-http Kashier base URLs, webhook URLs and Vault addresses, live ones included. Only for
         * a local simulator (dev and test profiles); key material never travels unencrypted otherwise.
         */
        @WithDefault("false")
        boolean allowInsecureLiveUrls();

        /** Largest request body the API reads, in bytes; larger ones get 413. */
        @WithDefault("16384")
        int maxBodyBytes();

        interface Jwt {
            /** Whether bearer tokens shaped like a JWT are accepted. */
            @WithDefault("false")
            boolean enabled();

            /** Claim naming the caller's role (a string, or an array whose first known role wins). */
            @WithDefault("rotator_role")
            String roleClaim();

            /**
             * Claim shown beside the caller's {@code sub} in the audit trail and whoami (a readable name); the
             * identity itself is always {@code sub}.
             */
            @WithDefault("preferred_username")
            String subjectClaim();
        }

        interface Token {
            /** SHA-256 of the token, lowercase hex ({@code echo -n token | sha256sum}). */
            String sha256();

            /** A default or custom role. */
            String role();
        }

        interface Role {
            /** Permissions, such as {@code keys:read} or {@code rotations:create}. */
            List<String> permissions();

            /** Limit to these modes ({@code test}, {@code live}); all when unset. */
            Optional<List<String>> modes();
        }
    }

    /** Demo webhook dependents started in-process for the local run (dev only). */
    Demo demo();

    /** How the rotation engine holds keys, retries and resumes. */
    Engine engine();

    /** The web console. */
    Console console();

    interface Console {
        /** Sign-in through the identity provider (authorization code with PKCE), beside pasting a token. */
        ConsoleOidc oidc();
    }

    /**
     * The console as a public OIDC client: the provider's endpoints and the client id (no secret: PKCE).
     * The access tokens it gets must pass {@code mp.jwt.verify.*} like any bearer token.
     */
    interface ConsoleOidc {
        /** The provider's authorization endpoint; sign-in through the provider is offered only when set. */
        Optional<String> authorizationEndpoint();

        /** The provider's token endpoint (it must allow this service's origin: CORS). */
        Optional<String> tokenEndpoint();

        /** The client registered for the console, public, with {@code <public-url>/console} as redirect URI. */
        Optional<String> clientId();

        @WithDefault("openid")
        String scope();

        /** What the sign-in button calls the provider. */
        @WithDefault("single sign-on")
        String name();
    }

    /** Live progress streams ({@code GET /api/v1/events}, {@code /api/v1/rotations/{id}/events}). */
    Events events();

    interface Events {
        /** How often the records of watched rotations are read from Vault (only while someone watches). */
        @WithDefault("1s")
        Duration pollInterval();

        /** Open streams across callers; past it a new one gets 503 with Retry-After. */
        @WithDefault("200")
        int maxStreams();

        /** Open streams per caller (token or JWT subject). */
        @WithDefault("10")
        int maxStreamsPerCaller();

        /** A stream is closed after this long; the client reconnects with Last-Event-ID and misses nothing. */
        @WithDefault("30m")
        Duration maxDuration();

        /** A comment line this often keeps proxies from closing an idle stream and finds clients gone. */
        @WithDefault("15s")
        Duration heartbeat();

        /** Events sent and not yet taken by a client; past it the client is too slow and its stream is closed. */
        @WithDefault("1000")
        int maxBehind();
    }

    /** Kubernetes dependents. */
    KubernetesSettings kubernetes();

    interface KubernetesSettings {
        /** Secret writes to one Deployment's Secret within this time share one restart. */
        @WithDefault("2s")
        Duration restartDebounce();
    }

    /** When scheduled rotations run. */
    @WithName("schedule")
    ScheduleSettings scheduler();

    /** The audit trail. */
    AuditSettings audit();

    interface AuditSettings {
        /**
         * Denied calls (401, 403) are stored as one event per distinct call and source in each window of
         * this length, with a count, so that a flood of bad tokens costs Vault a handful of writes a minute
         * and never delays the events of real changes.
         */
        @WithDefault("60s")
        Duration deniedWindow();

        /**
         * A key Vault does not hold (set it from a Secret: {@code ROTATOR_AUDIT_HMAC_KEY}). Each event is then
         * also signed, HMAC-SHA256 over its hash, so that whoever can write the audit path in Vault (the
         * service's own token, a Vault administrator) cannot append or rewrite events that still verify.
         */
        @Secret
        Optional<String> hmacKey();
    }

    interface Engine {
        /** Name of this replica in claims and records; a random id per process when unset. */
        Optional<String> instanceId();

        /** How long a replica's claim on a key lasts without renewal; another replica takes over after it. */
        @WithDefault("30s")
        Duration leaseTtl();

        /** How often unfinished rotations whose lease expired are looked for and resumed. */
        @WithDefault("5s")
        Duration resumeInterval();

        /**
         * Threads running rotations (a rollout holds one while it delivers; soaks, grace periods and retry
         * backoffs hold none: the rotation is scheduled again when they end). Lease renewal
         * has a thread of its own and never waits behind them.
         */
        @WithDefault("16")
        int workers();

        /** Attempts of a step that meets a passing failure (Vault or Kashier unavailable) before the rotation fails. */
        @WithDefault("6")
        int stepAttempts();

        /** First pause between step attempts; doubles each time (with jitter), capped at 30 s. */
        @WithDefault("1s")
        Duration stepBackoff();
    }

    interface VaultConfig {
        /** Vault address; {@code VAULT_ADDR} when unset. */
        Optional<String> address();

        /** Vault token for token auth; {@code VAULT_TOKEN} when unset. */
        @Secret
        Optional<String> token();

        /** KV v2 mount. */
        @WithDefault("secret")
        String mount();

        /** Key material lives at {@code <mount>/<key-prefix>/<keyId>}. */
        @WithDefault("kashier")
        String keyPrefix();

        /** Rotation records, locks and the audit trail live under here. */
        @WithDefault("kashier-rotator")
        String statePrefix();

        /** Seconds to wait for Vault to answer one request. */
        @WithDefault("5")
        int timeoutSeconds();

        /**
         * PEM CA bundle for Vault's certificate when the JVM's trust store does not cover it;
         * {@code VAULT_CACERT} when unset.
         */
        Optional<String> caFile();

        /**
         * Vault namespace (HCP Vault, Vault Enterprise, OpenBao) holding the mount, the auth method and
         * the dependents' paths; {@code VAULT_NAMESPACE} when unset, the root namespace when neither is.
         */
        Optional<String> namespace();

        /** How the service gets its Vault token. */
        Auth auth();

        interface Auth {
            /** {@code token} ({@code rotator.vault.token} / {@code VAULT_TOKEN}), {@code approle} or {@code kubernetes}. */
            @WithDefault("token")
            String method();

            /** Mount path of the auth method; {@code approle} or {@code kubernetes} when unset. */
            Optional<String> mount();

            /** AppRole role id. */
            Optional<String> roleId();

            /** AppRole secret id (prefer {@code secret-id-file}). */
            @Secret
            Optional<String> secretId();

            /** File holding the AppRole secret id, read at every login (a mounted Secret can change). */
            Optional<String> secretIdFile();

            /** Vault role for Kubernetes auth. */
            Optional<String> role();

            /** The service account token presented to Kubernetes auth, read at every login. */
            @WithDefault("/var/run/secrets/kubernetes.io/serviceaccount/token")
            String jwtFile();

            /** How often the token's remaining lifetime is checked; renewal happens in its last third. */
            @WithDefault("10s")
            Duration checkInterval();
        }
    }

    interface Kashier {
        /** {@code manual} (a person changes keys in the dashboard) or {@code simulator}. */
        @WithDefault("manual")
        String dashboard();

        Api api();

        Simulator simulator();

        /** A dashboard step left unanswered this long is reported (metric and readiness detail). */
        @WithDefault("30m")
        Duration manualStepTimeout();

        interface Api {
            /** Base URL of Kashier's test-mode API. */
            @WithDefault("https://test-api.kashier.io")
            String testBaseUrl();

            /** Base URL of Kashier's live-mode API. */
            @WithDefault("https://api.kashier.io")
            String liveBaseUrl();
        }

        interface Simulator {
            /** Serves the Kashier simulator under {@code /sim/kashier/**} (dev and test only). */
            @WithDefault("false")
            boolean enabled();

            /** Base URL of the simulator used as the dashboard; defaults to this service itself. */
            Optional<String> url();
        }
    }

    interface Account {
        /** Kashier merchant id, such as {@code MID-3552-454}. */
        String mid();
    }

    interface Key {
        /** Name of the account in {@code rotator.accounts}. */
        String account();

        /** {@code test} or {@code live}. */
        String mode();

        /** {@code payment-api-key} or {@code secret-key}. */
        String kind();

        /** When the key rotates by itself. */
        Optional<Schedule> schedule();

        /** How long the previous payment key stays valid after a rotation. */
        @WithDefault("24h")
        DurationSetting grace();

        /** Secret keys: {@code single-user} or {@code alternating-users}. */
        @WithDefault("single-user")
        String strategy();

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

    /** The scheduler: how often due keys are looked for, and when nothing rotates. */
    interface ScheduleSettings {
        /** How often the scheduler looks for due keys. */
        @WithDefault("60s")
        DurationSetting tick();

        /** How long after start-up the scheduler first looks. */
        @WithDefault("5s")
        String firstTick();

        /**
         * Periods in which no key rotates by schedule: weekly {@code "SAT-SUN"}, {@code "FRI 18:00-23:59"} (read
         * in {@code rotator.schedule.zone}), or absolute {@code "2026-12-31T00:00:00Z/2027-01-02T00:00:00Z"}.
         */
        Optional<List<String>> blackouts();

        /**
         * IANA time zone (such as {@code Africa/Cairo}, which has daylight saving time) in which weekly
         * blackouts and cron schedules are read, unless a key names its own.
         */
        @WithDefault("UTC")
        String zone();

        /** The longest a pause of the schedule may be set for ({@code POST /api/v1/schedule/pause}). */
        @WithDefault("7d")
        DurationSetting maxPause();

        /** A key counts as overdue this long after its window closed without a rotation. */
        @WithDefault("10m")
        DurationSetting overdueAfter();

        /**
         * After a scheduled rotation of a key ends FAILED, ROLLED_BACK or ABORTED, the next scheduled try
         * waits this long, doubling with each further failure of the same key version.
         */
        @WithDefault("1h")
        DurationSetting retryBackoff();

        /** After this many failed scheduled tries of one key version the scheduler stops: rotate by hand. */
        @WithDefault("3")
        int maxFailedAttempts();
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

    interface Dependent {
        /** Key ids this dependent uses. */
        List<String> keys();

        /** Wave number; 0 is the canary. Waves run in ascending order. */
        @WithDefault("0")
        int wave();

        /** {@code webhook}, {@code vault-kv} or {@code kubernetes-secret}. */
        String type();

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
        String delivery();

        /** vault-kv: path under the mount that receives {@code <path>/<keyId>}. */
        Optional<String> path();

        /**
         * vault-kv: how the consuming service confirms that it uses the new key: {@code verify-url} (its
         * fingerprint endpoint), {@code confirm-path} (it writes the fingerprint it uses to a Vault path) or
         * {@code read-back} (only that Vault holds it). Implied by {@code verify-url} or {@code confirm-path}.
         */
        Optional<String> confirm();

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

    interface Demo {
        /** Starts demo webhook dependents on these loopback ports, keyed by dependent id (dev only). */
        Map<String, Integer> dependents();
    }
}
