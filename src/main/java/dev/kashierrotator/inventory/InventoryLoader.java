package dev.kashierrotator.inventory;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import dev.kashierrotator.config.ConfigurationProblems;
import dev.kashierrotator.config.DurationSetting;
import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.config.UrlRules;
import dev.kashierrotator.util.TlsTrust;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;

/**
 * Turns {@link InventoryConfig} (with the scheduler's settings and the Vault layout it must keep apart from)
 * into an {@link Inventory} by the inventory's own rules, adding every problem to the one collector so that
 * an operator fixes a bad file in one go.
 */
public final class InventoryLoader {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    // One character class and plain checks instead of nested quantifiers: no input can make matching slow.
    private static final Pattern VAULT_PATH_CHARS = Pattern.compile("[A-Za-z0-9._/-]+");
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private final ConfigurationProblems problems;
    private final UrlRules urls;
    private final InventoryConfig configured;
    private final Map<String, InventoryConfig.Dependent> configuredDependents;
    private List<Blackout> globalBlackouts = List.of();
    private ZoneId globalZone = ZoneOffset.UTC;

    private InventoryLoader(
            ConfigurationProblems problems,
            UrlRules urls,
            InventoryConfig configured,
            Map<String, InventoryConfig.Dependent> dependents) {
        this.problems = problems;
        this.urls = urls;
        this.configured = configured;
        this.configuredDependents = dependents;
    }

    /** The inventory, or an {@link InvalidConfiguration} listing every problem with it. */
    public static Inventory load(RotatorConfig config, InventoryConfig configured, Config raw) {
        ConfigurationProblems problems = new ConfigurationProblems();
        Inventory inventory = check(config, configured, raw, problems);
        problems.throwIfAny();
        return inventory;
    }

    /**
     * The inventory's own rules, adding each breach to {@code problems} (start-up's one collector,
     * {@code ConfigurationCheck}); the inventory, meaningful only when none was added. The dependents are
     * read from {@code raw}, the configuration the mappings were made of ({@link DependentSettings}).
     */
    public static Inventory check(
            RotatorConfig config, InventoryConfig configured, Config raw, ConfigurationProblems problems) {
        return new InventoryLoader(
                        problems,
                        new UrlRules(config.security(), problems),
                        configured,
                        DependentSettings.read(raw, problems))
                .build(config);
    }

    private Inventory build(RotatorConfig config) {
        Map<String, String> mids = new HashMap<>();
        Map<String, String> accountOfMid = new HashMap<>();
        configured.accounts().forEach((name, account) -> {
            String at = "rotator.accounts." + name;
            checkId(at, name);
            String mid = account.mid() == null ? "" : account.mid().trim();
            if (mid.isEmpty() || mid.chars().anyMatch(Character::isWhitespace)) {
                problems.add(at + ".mid", "must be a Kashier merchant id such as MID-3552-454, got '" + mid + "'");
                return;
            }
            String other = accountOfMid.putIfAbsent(mid, name);
            if (other != null) {
                problems.add(at + ".mid", mid + " is already the mid of account '" + other + "' (duplicate account)");
            }
            mids.put(name, mid);
        });

        globalZone = zone("rotator.schedule.zone", config.scheduler().zone());
        globalBlackouts = blackouts(
                "rotator.schedule.blackouts", config.scheduler().blackouts().orElse(List.of()), globalZone);
        Duration tick = duration("rotator.schedule.tick", config.scheduler().tick());
        if (tick.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add(
                    "rotator.schedule.tick",
                    "must be at least 1s, got '" + config.scheduler().tick() + "'");
        }
        Duration overdueAfter =
                duration("rotator.schedule.overdue-after", config.scheduler().overdueAfter());
        Duration retryBackoff =
                duration("rotator.schedule.retry-backoff", config.scheduler().retryBackoff());
        Duration maxPause =
                duration("rotator.schedule.max-pause", config.scheduler().maxPause());
        if (maxPause.isZero()) {
            problems.add("rotator.schedule.max-pause", "must be longer than 0");
        }
        if (config.scheduler().maxFailedAttempts() < 1) {
            problems.add(
                    "rotator.schedule.max-failed-attempts",
                    "must be at least 1, got " + config.scheduler().maxFailedAttempts());
        }

        RolloutPolicy rollout = rollout(configured.rollout());
        Map<String, KeySpec> keys = new LinkedHashMap<>();
        Map<String, String> secretKeyOwners = new HashMap<>();
        configured.keys().forEach((id, key) -> {
            KeySpec spec = key(id, key, config, mids, rollout);
            if (spec == null) {
                return;
            }
            if (!spec.isPaymentKey()) {
                for (String user : spec.users()) {
                    String owner = spec.mid() + "/" + spec.mode() + "/" + user;
                    String other = secretKeyOwners.putIfAbsent(owner, id);
                    if (other != null) {
                        problems.add(
                                "rotator.keys." + id,
                                "the secret key of user '" + user + "' in "
                                        + spec.mid() + " (" + spec.mode() + ") is already managed by key '" + other
                                        + "' (duplicate key)");
                    }
                }
            }
            keys.put(id, spec);
        });

        Map<String, DependentSpec> dependents = new LinkedHashMap<>();
        configuredDependents.forEach((id, dep) -> {
            DependentSpec spec = dependent(id, dep, config);
            if (spec != null) {
                dependents.put(id, spec);
            }
        });
        vaultKvPathsApart(configuredDependents);

        List<NotificationChannel> channels = channels(configured.notifications(), keys.keySet());
        return new Inventory(
                keys,
                dependents,
                rollout,
                new ScheduleSettings(
                        tick,
                        overdueAfter,
                        globalBlackouts,
                        retryBackoff,
                        config.scheduler().maxFailedAttempts(),
                        globalZone,
                        maxPause),
                channels);
    }

    private List<NotificationChannel> channels(
            Map<String, InventoryConfig.Notification> configured, Set<String> keyIds) {
        List<NotificationChannel> channels = new ArrayList<>();
        new TreeMap<>(configured).forEach((name, n) -> {
            String at = "rotator.notifications." + name;
            Optional<NotificationChannel.Type> configuredType = n.type().in(at + ".type", problems);
            if (configuredType.isEmpty()) {
                return;
            }
            NotificationChannel.Type type = configuredType.get();
            Optional<String> url = type == NotificationChannel.Type.PAGERDUTY
                    ? n.url().or(() -> Optional.of(NotificationChannel.PAGERDUTY_EVENTS.toString()))
                    : n.url();
            // A Slack incoming-webhook URL is a secret: a message about it names only its host.
            Optional<String> shown = type == NotificationChannel.Type.SLACK ? url.map(InventoryLoader::hostOnly) : url;
            urls.httpUrl(at + ".url", shown);
            urls.httpsOrLoopback(at + ".url", shown);
            Optional<String> secret = Optional.empty();
            if (type == NotificationChannel.Type.PAGERDUTY) {
                secret = n.routingKey().filter(k -> !k.isBlank());
                if (secret.isEmpty()) {
                    problems.add(
                            at + ".routing-key",
                            "required for pagerduty (the integration key of an Events API v2 "
                                    + "integration; set it from a secret, ROTATOR_NOTIFICATIONS_" + envName(name)
                                    + "_ROUTING_KEY)");
                }
            } else if (type == NotificationChannel.Type.WEBHOOK) {
                secret = n.signingSecret().filter(k -> !k.isBlank());
                if (secret.isEmpty()) {
                    problems.add(at + ".signing-secret", "required for webhook (receivers check X-Rotator-Signature)");
                }
            }
            Set<String> events = new TreeSet<>(n.events().orElse(List.copyOf(NotificationChannel.EVENTS)));
            for (String e : events) {
                if (!NotificationChannel.EVENTS.contains(e)) {
                    problems.add(
                            at + ".events",
                            "unknown event '" + e + "' (one of "
                                    + String.join(", ", new TreeSet<>(NotificationChannel.EVENTS)) + ")");
                }
            }
            Set<Mode> modes = n.modes().isEmpty() ? EnumSet.allOf(Mode.class) : EnumSet.noneOf(Mode.class);
            n.modes()
                    .orElse(List.of())
                    .forEach(m -> m.in(at + ".modes", problems).ifPresent(modes::add));
            Set<String> keys = new TreeSet<>(n.keys().orElse(List.of()));
            for (String k : keys) {
                if (!keyIds.contains(k)) {
                    problems.add(at + ".keys", "no key '" + k + "' in rotator.keys");
                }
            }
            if (n.attempts() < 1) {
                problems.add(at + ".attempts", "must be at least 1, got " + n.attempts());
            }
            Duration backoff = duration(at + ".backoff", n.backoff());
            Duration timeout = duration(at + ".timeout", n.timeout());
            if (timeout.isZero()) {
                problems.add(at + ".timeout", "must be longer than 0");
            }
            channels.add(new NotificationChannel(
                    name,
                    type,
                    url.flatMap(InventoryLoader::uri).orElse(null),
                    secret,
                    Set.copyOf(events),
                    modes,
                    Set.copyOf(keys),
                    n.attempts(),
                    backoff,
                    timeout));
        });
        return channels;
    }

    /** {@code https://hooks.slack.com/services/T0/B0/XYZ} as {@code https://hooks.slack.com/…}. */
    private static String hostOnly(String url) {
        return url.replaceAll("^([A-Za-z]+://[^/?#]*).*$", "$1/…");
    }

    private static Optional<URI> uri(String url) {
        try {
            return Optional.of(URI.create(url));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String envName(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private KeySpec key(
            String id, InventoryConfig.Key key, RotatorConfig config, Map<String, String> mids, RolloutPolicy global) {
        String at = "rotator.keys." + id;
        int before = problems.size();
        checkId(at, id);
        String mid = mids.get(key.account());
        if (!configured.accounts().containsKey(key.account())) {
            problems.add(
                    at + ".account",
                    "unknown account '" + key.account() + "' (known: "
                            + String.join(", ", configured.accounts().keySet()) + ")");
        }
        Optional<Mode> mode = key.mode().in(at + ".mode", problems);
        Optional<KeyKind> kind = key.kind().in(at + ".kind", problems);
        Duration grace = duration(at + ".grace", key.grace());
        List<String> users = List.of(key.user());
        Optional<Strategy> strategy = key.strategy().in(at + ".strategy", problems);
        if (strategy.isPresent()) {
            switch (strategy.get()) {
                case SINGLE_USER -> {
                    if (key.user().isBlank()) {
                        problems.add(at + ".user", "must name the Kashier dashboard user owning the secret key");
                    }
                }
                case ALTERNATING_USERS -> {
                    List<String> listed = key.users().orElse(List.of());
                    if (listed.size() != 2 || listed.get(0).equals(listed.get(1))) {
                        problems.add(
                                at + ".users", "alternating-users needs exactly two different users, got " + listed);
                    }
                    if (kind.isPresent() && kind.get() == KeyKind.PAYMENT_API_KEY) {
                        problems.add(at + ".strategy", "alternating-users applies to secret keys only");
                    }
                    users = listed;
                }
            }
        }
        Optional<SchedulePolicy> schedule = key.schedule().map(s -> schedule(at + ".schedule", s));
        RolloutPolicy rollout =
                key.rollout().map(r -> override(at + ".rollout", global, r)).orElse(global);
        if (problems.size() > before) {
            return null;
        }
        return new KeySpec(
                id,
                key.account(),
                mid,
                mode.get(),
                kind.get(),
                strategy.get(),
                key.user(),
                users,
                schedule,
                grace,
                rollout);
    }

    private SchedulePolicy schedule(String at, InventoryConfig.Schedule s) {
        Optional<Duration> every = s.every().flatMap(e -> {
            Optional<Duration> d = e.value();
            if (d.isEmpty()) {
                duration(at + ".every", e);
            } else if (d.get().isZero()) {
                problems.add(at + ".every", "must be longer than 0");
            }
            return d;
        });
        if (s.every().isPresent() == s.cron().isPresent()) {
            problems.add(at, "give exactly one of every or cron");
        }
        s.cron().ifPresent(c -> {
            try {
                CRON.parse(c).validate();
            } catch (IllegalArgumentException e) {
                problems.add(
                        at + ".cron",
                        "'" + c + "' is not a Quartz cron expression (such as \"0 0 3 1 * ?\"): " + e.getMessage());
            }
        });
        Optional<Duration> window = s.window().map(w -> duration(at + ".window", w));
        Duration jitter = s.jitter().map(j -> duration(at + ".jitter", j)).orElse(Duration.ZERO);
        ZoneId zone = s.zone().map(z -> zone(at + ".zone", z)).orElse(globalZone);
        List<Blackout> blackouts = new ArrayList<>(globalBlackouts);
        blackouts.addAll(blackouts(at + ".blackouts", s.blackouts().orElse(List.of()), zone));
        return new SchedulePolicy(every, s.cron(), window, jitter, List.copyOf(blackouts), zone);
    }

    /** An IANA zone id; a problem naming the entry when it is not one. */
    private ZoneId zone(String at, String text) {
        try {
            return ZoneId.of(text.strip());
        } catch (DateTimeException e) {
            problems.add(at, "'" + text + "' is not an IANA time zone (such as \"Africa/Cairo\" or \"UTC\")");
            return ZoneOffset.UTC;
        }
    }

    private List<Blackout> blackouts(String at, List<String> texts, ZoneId zone) {
        List<Blackout> result = new ArrayList<>();
        for (String text : texts) {
            Optional<Blackout> b = Blackout.parse(text, zone);
            if (b.isEmpty()) {
                problems.add(
                        at,
                        "'" + text + "' is not a blackout period (use e.g. \"SAT-SUN\", "
                                + "\"FRI 18:00-23:59\" in " + zone.getId()
                                + ", or \"2026-12-31T00:00:00Z/2027-01-02T00:00:00Z\")");
            } else {
                result.add(b.get());
            }
        }
        return result;
    }

    private RolloutPolicy rollout(InventoryConfig.Rollout r) {
        Duration soak = duration("rotator.rollout.soak", r.soak());
        Duration verify = duration("rotator.rollout.verify-timeout", r.verifyTimeout());
        Duration call = duration("rotator.rollout.call-timeout", r.callTimeout());
        concurrency("rotator.rollout.max-concurrency", r.maxConcurrency());
        attempts("rotator.rollout.delivery-attempts", r.deliveryAttempts());
        int threshold = percent("rotator.rollout.failure-threshold", r.failureThreshold());
        if (r.breakerThreshold() < 1) {
            problems.add("rotator.rollout.breaker-threshold", "must be at least 1, got " + r.breakerThreshold());
        }
        return new RolloutPolicy(
                soak,
                r.maxConcurrency(),
                verify,
                r.deliveryAttempts(),
                call,
                threshold,
                r.breakerThreshold(),
                r.breakerDelay());
    }

    private RolloutPolicy override(String at, RolloutPolicy g, InventoryConfig.KeyRollout r) {
        r.maxConcurrency().ifPresent(c -> concurrency(at + ".max-concurrency", c));
        r.deliveryAttempts().ifPresent(a -> attempts(at + ".delivery-attempts", a));
        return new RolloutPolicy(
                r.soak().map(v -> duration(at + ".soak", v)).orElse(g.soak()),
                r.maxConcurrency().orElse(g.maxConcurrency()),
                r.verifyTimeout().map(v -> duration(at + ".verify-timeout", v)).orElse(g.verifyTimeout()),
                r.deliveryAttempts().orElse(g.deliveryAttempts()),
                r.callTimeout().map(v -> duration(at + ".call-timeout", v)).orElse(g.callTimeout()),
                r.failureThreshold()
                        .map(v -> percent(at + ".failure-threshold", v))
                        .orElse(g.failureThresholdPercent()),
                g.breakerThreshold(),
                g.breakerDelay());
    }

    private void concurrency(String at, int value) {
        if (value < 1 || value > 1024) {
            problems.add(at, "must be between 1 and 1024, got " + value);
        }
    }

    private void attempts(String at, int value) {
        if (value < 1 || value > 20) {
            problems.add(at, "must be between 1 and 20, got " + value);
        }
    }

    private int percent(String at, String text) {
        String t = text.trim();
        try {
            int p = Integer.parseInt(
                    t.endsWith("%") ? t.substring(0, t.length() - 1).trim() : t);
            if (p >= 0 && p <= 100) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(at, "'" + text + "' is not a percentage from 0% to 100%");
        return 0;
    }

    private DependentSpec dependent(String id, InventoryConfig.Dependent dep, RotatorConfig config) {
        String at = "rotator.dependents." + id;
        int before = problems.size();
        checkId(at, id);
        if (dep.keys().isEmpty()) {
            problems.add(at + ".keys", "must list at least one key");
        }
        Set<String> seen = new HashSet<>();
        for (String key : dep.keys()) {
            if (!configured.keys().containsKey(key)) {
                problems.add(at + ".keys", "unknown key '" + key + "'");
            }
            if (!seen.add(key)) {
                problems.add(at + ".keys", "key '" + key + "' is listed twice (duplicate)");
            }
        }
        if (dep.wave() < 0) {
            problems.add(at + ".wave", "must be 0 (canary) or more, got " + dep.wave());
        }
        Optional<DependentType> type = dep.type().in(at + ".type", problems);
        boolean inline = true;
        if (type.isPresent()) {
            switch (type.get()) {
                case WEBHOOK -> {
                    urls.httpUrl(at + ".url", dep.url());
                    urls.httpUrl(at + ".verify-url", dep.verifyUrl());
                    dependentTransport(at + ".url", dep.url(), dep, config);
                    dependentTransport(at + ".verify-url", dep.verifyUrl(), dep, config);
                    if (dep.signingSecret().map(String::isBlank).orElse(true)) {
                        problems.add(at + ".signing-secret", "a webhook needs a signing secret (HMAC-SHA256)");
                    }
                    inline = dep.delivery()
                            .in(at + ".delivery", problems)
                            .map(d -> d == Delivery.INLINE)
                            .orElse(true);
                    dep.caBundle().ifPresent(path -> {
                        if (!Files.isReadable(Path.of(path))) {
                            problems.add(at + ".ca-bundle", "cannot read '" + path + "'");
                        } else if (TlsTrust.load(path).isEmpty()) {
                            problems.add(at + ".ca-bundle", "'" + path + "' holds no PEM certificate");
                        }
                    });
                }
                case VAULT_KV -> {
                    vaultPath(at + ".path", dep.path(), config.vault());
                    confirmation(at, dep, config);
                }
                case KUBERNETES_SECRET -> {
                    dnsName(at + ".namespace", dep.namespace(), 63);
                    dnsName(at + ".secret", dep.secretName(), 253);
                    for (String entry : dep.restart().orElse(List.of())) {
                        Optional<Workload> w = Workload.parse(entry.strip());
                        if (w.isEmpty()) {
                            problems.add(
                                    at + ".restart",
                                    "'" + entry + "' names no workload kubectl would restart: "
                                            + "give deployment/NAME, statefulset/NAME or daemonset/NAME (a bare NAME is a "
                                            + "Deployment)");
                        } else {
                            dnsName(at + ".restart", Optional.of(w.get().name()), 253);
                        }
                    }
                }
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new DependentSpec(
                id,
                List.copyOf(dep.keys()),
                dep.wave(),
                type.get(),
                dep.url(),
                dep.verifyUrl(),
                dep.signingSecret(),
                inline,
                dep.path().map(p -> p.replaceAll("^/+|/+$", "")),
                dep.namespace(),
                dep.secretName(),
                dep.restart().orElse(List.of()).stream()
                        .map(e -> Workload.parse(e.strip()).orElseThrow())
                        .distinct()
                        .toList(),
                dep.caBundle(),
                type.get() == DependentType.VAULT_KV ? confirmationOf(dep) : Optional.empty(),
                dep.confirmPath().map(p -> p.replaceAll("^/+|/+$", "")));
    }

    /**
     * A URL of a dependent's (its delivery or its verify URL): https when it has a live key, unless plain http
     * was allowed; in production https or loopback for test keys too, which are keys as well.
     */
    private void dependentTransport(
            String at, Optional<String> url, InventoryConfig.Dependent dep, RotatorConfig config) {
        Optional<String> live = dep.keys().stream()
                .filter(k -> configured.keys().containsKey(k)
                        && configured.keys().get(k).mode().value().orElse(null) == Mode.LIVE)
                .findFirst();
        if (live.isPresent()) {
            urls.httpsOnly(at, url, "live key '" + live.get() + "'");
        } else {
            urls.httpsOrLoopback(at, url);
        }
    }

    /** The confirmation a vault-kv dependent asks for, or implies by giving its verify-url or confirm-path. */
    private static Optional<Confirmation> confirmationOf(InventoryConfig.Dependent dep) {
        if (dep.confirm().isPresent()) {
            return dep.confirm().get().value();
        }
        if (dep.verifyUrl().isPresent()) {
            return Optional.of(Confirmation.VERIFY_URL);
        }
        return dep.confirmPath().map(p -> Confirmation.CONFIRM_PATH);
    }

    /**
     * A vault-kv dependent says how its consumer confirms the new key; reading back the service's own write
     * is allowed, but only when asked for by name, since it proves nothing about the consumer.
     */
    private void confirmation(String at, InventoryConfig.Dependent dep, RotatorConfig config) {
        if (dep.confirm().isPresent()
                && dep.confirm().get().in(at + ".confirm", problems).isEmpty()) {
            return;
        }
        if (dep.verifyUrl().isPresent() && dep.confirmPath().isPresent()) {
            problems.add(at + ".confirm-path", "give verify-url or confirm-path, not both");
            return;
        }
        Optional<Confirmation> c = confirmationOf(dep);
        if (c.isEmpty()) {
            problems.add(
                    at + ".confirm",
                    "say how the service that reads "
                            + dep.path().orElse("the path")
                            + " confirms it uses the new key, so that the old key expires only after it does: verify-url "
                            + "(its fingerprint endpoint), confirm-path (a Vault path it writes the fingerprint to), or "
                            + "confirm: read-back (only Vault is checked; the old key may expire before the service "
                            + "reads the new one)");
            return;
        }
        switch (c.get()) {
            case VERIFY_URL -> {
                if (dep.verifyUrl().isEmpty()) {
                    problems.add(at + ".verify-url", "required with confirm: verify-url");
                    return;
                }
                urls.httpUrl(at + ".verify-url", dep.verifyUrl());
                dependentTransport(at + ".verify-url", dep.verifyUrl(), dep, config);
            }
            case CONFIRM_PATH -> {
                if (dep.confirmPath().isEmpty()) {
                    problems.add(at + ".confirm-path", "required with confirm: confirm-path");
                    return;
                }
                vaultPath(at + ".confirm-path", dep.confirmPath(), config.vault());
                String own = dep.path().orElse("").replaceAll("^/+|/+$", "");
                if (dep.confirmPath().get().replaceAll("^/+|/+$", "").equals(own)) {
                    problems.add(
                            at + ".confirm-path",
                            "must differ from path (the service's own write there would "
                                    + "confirm itself: that is read-back)");
                }
            }
            case READ_BACK -> {
                if (dep.verifyUrl().isPresent() || dep.confirmPath().isPresent()) {
                    problems.add(
                            at + ".confirm",
                            "read-back ignores the consumer's verify-url or confirm-path given "
                                    + "here; drop them, or drop confirm: read-back");
                }
            }
        }
    }

    /**
     * A consumer's confirmation must be its own: a confirm-path equal to or nested with any vault-kv
     * dependent's delivery path, or with another dependent's confirm-path, could be written by the service
     * (its delivery there would count as the consumer's confirmation) or by another consumer (a policy of
     * {@code create, update} on {@code <confirm-path>/*} covers a path nested below it). Two dependents
     * delivered to one path could not be told apart either.
     */
    private void vaultKvPathsApart(Map<String, InventoryConfig.Dependent> configured) {
        Map<String, String> delivered = new TreeMap<>();
        Map<String, String> confirmed = new TreeMap<>();
        new TreeMap<>(configured).forEach((id, dep) -> {
            if (dep.type().value().orElse(null) != DependentType.VAULT_KV) {
                return;
            }
            dep.path().map(InventoryLoader::trimmed).filter(p -> !p.isEmpty()).ifPresent(p -> {
                String other = delivered.putIfAbsent(p, id);
                if (other != null) {
                    problems.add(
                            "rotator.dependents." + id + ".path",
                            "'" + p + "' is also dependent '" + other + "''s path: give each consumer its own path");
                }
            });
            dep.confirmPath()
                    .map(InventoryLoader::trimmed)
                    .filter(p -> !p.isEmpty())
                    .ifPresent(p -> confirmed.put(id, p));
        });
        confirmed.forEach((id, c) -> {
            String at = "rotator.dependents." + id + ".confirm-path";
            delivered.forEach((path, owner) -> {
                if (nested(c, path) && !(owner.equals(id) && c.equals(path))) {
                    problems.add(
                            at,
                            "'" + c + "' overlaps the path '" + path + "' the service delivers "
                                    + (owner.equals(id) ? "this dependent's" : "dependent '" + owner + "''s")
                                    + " key to: "
                                    + "the service's write, or the consumer writing there, would confirm it; use a "
                                    + "confirm-path apart from every delivery path");
                }
            });
            confirmed.forEach((otherId, other) -> {
                if (otherId.compareTo(id) < 0 && nested(c, other)) {
                    problems.add(
                            at,
                            "'" + c + "' overlaps dependent '" + otherId + "''s confirm-path '" + other
                                    + "': one consumer could confirm for the other; give each its own confirm-path, "
                                    + "not nested in another's");
                }
            });
        });
    }

    private static String trimmed(String path) {
        return path.strip().replaceAll("^/+|/+$", "");
    }

    /** Equal, or one below the other. */
    private static boolean nested(String a, String b) {
        return a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
    }

    private void vaultPath(String at, Optional<String> path, RotatorConfig.VaultConfig vault) {
        if (path.isEmpty() || path.get().isBlank()) {
            problems.add(at, "a vault-kv dependent needs a path under the mount");
            return;
        }
        String p = path.get().replaceAll("^/+|/+$", "");
        if (!VAULT_PATH_CHARS.matcher(p).matches() || p.contains("//")) {
            problems.add(at, "'" + path.get() + "' is not a Vault path (letters, digits, . _ - separated by /)");
            return;
        }
        for (String configured : List.of(vault.keyPrefix(), vault.statePrefix())) {
            // Normalised as VaultKeyStore and VaultRotationStore normalise them: "/kashier/" is "kashier".
            String own = configured.replaceAll("^/+|/+$", "");
            if (p.equals(own) || p.startsWith(own + "/") || own.startsWith(p + "/")) {
                problems.add(at, "'" + p + "' overlaps the service's own Vault path '" + own + "'");
            }
        }
    }

    /** A DNS name: letters, digits, '-' and '.', starting with a letter or digit and not ending with '-' or '.'. */
    private static final Pattern DNS_CHARS = Pattern.compile("[a-z0-9][-a-z0-9.]*");

    private void dnsName(String at, Optional<String> name, int max) {
        if (name.isEmpty() || name.get().isBlank()) {
            problems.add(at, "a kubernetes-secret dependent needs this name");
        } else if (name.get().length() > max
                || !DNS_CHARS.matcher(name.get()).matches()
                || name.get().endsWith("-")
                || name.get().endsWith(".")) {
            problems.add(at, "'" + name.get() + "' is not a Kubernetes name (lowercase letters, digits, '-', '.')");
        }
    }

    /** The setting's duration, or a problem naming {@code at} (and zero meanwhile). */
    private Duration duration(String at, DurationSetting setting) {
        return setting.in(at, problems);
    }

    private void checkId(String at, String id) {
        if (!ID.matcher(id).matches()) {
            problems.add(at, "id '" + id + "' must be lowercase letters, digits, '.', '_' or '-' (at most 63)");
        }
    }
}
