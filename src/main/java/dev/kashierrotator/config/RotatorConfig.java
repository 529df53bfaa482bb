package dev.kashierrotator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The service's own {@code rotator} settings: Vault, Kashier access, security, the engine, the console, events,
 * the scheduler, the audit trail (docs/configuration.md); the inventory's (accounts, keys, rollout, dependents,
 * notifications) are {@code inventory.InventoryConfig}. Durations and closed sets are converted as they are
 * read ({@link DurationSetting}, {@link Choice}), keeping text that is none of them, so that the check naming
 * the entry reports it with every other problem ({@link ConfigurationProblems}).
 */
@ConfigMapping(prefix = "rotator")
public interface RotatorConfig {

    /** Where keys and the service's own state live in Vault. */
    VaultConfig vault();

    /** How the service reaches Kashier: dashboard step and API base URLs. */
    Kashier kashier();

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

        /**
         * Deliveries of a made-up key to a receiver inside the process, rehearsed at start-up before the
         * replica reports ready ({@code rollout.WarmUp}), so that its first rotation runs on compiled code;
         * 0 leaves the rehearsal out.
         */
        @WithDefault("256")
        int warmUpDeliveries();

        /**
         * The longest the start-up rehearsal may hold readiness back; past it the rehearsal stops and the
         * replica reports ready all the same.
         */
        @WithDefault("10s")
        Duration warmUpBound();
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
            @WithConverter(VaultAuthMethod.Setting.class)
            Choice<VaultAuthMethod> method();

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
        @WithConverter(KashierDashboard.Setting.class)
        Choice<KashierDashboard> dashboard();

        /** Whether the simulator makes the keys (a dashboard setting naming none is checked, and is not it). */
        default boolean simulatorDashboard() {
            return dashboard().value().orElse(null) == KashierDashboard.SIMULATOR;
        }

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

    interface Demo {
        /** Starts demo webhook dependents on these loopback ports, keyed by dependent id (dev only). */
        Map<String, Integer> dependents();
    }
}
