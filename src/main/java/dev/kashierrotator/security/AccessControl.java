package dev.kashierrotator.security;

import dev.kashierrotator.config.ConfigurationProblem;
import dev.kashierrotator.config.ConfigurationProblems;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Mode;
import io.quarkus.logging.Log;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who a bearer token is: the configured API tokens (kept only as SHA-256 digests), the break-glass
 * bootstrap token (admin), and, when enabled, OIDC/JWT bearer tokens whose role comes from a claim.
 * API tokens are compared as digests in constant time.
 */
@ApplicationScoped
public class AccessControl {

    /** Anyone can send a JWT-shaped token: the log says so a few times a second at most. */
    private static final dev.kashierrotator.util.RateLimitedLog JWT_REJECTIONS =
            new dev.kashierrotator.util.RateLimitedLog(5);

    /** An authenticated caller. */
    /**
     * @param until when the credential stops being valid (a JWT's {@code exp}); null for a configured token
     */
    public record Principal(String subject, Role role, java.time.Instant until) {}

    private record Entry(byte[] digest, Principal principal) {}

    private static final Pattern JWT_SHAPE = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Role> roles = new HashMap<>(Role.DEFAULTS);
    private final RotatorConfig.Security.Jwt jwt;
    private final JWTParser jwtParser;
    private final Clock clock;

    public AccessControl(RotatorConfig config, JWTParser jwtParser, Clock clock) {
        this.clock = clock;
        this.jwt = config.security().jwt();
        this.jwtParser = jwtParser;
        ConfigurationProblems problems = new ConfigurationProblems();
        read(config.security(), roles, entries, problems);
        problems.throwIfAny();
        config.bootstrapToken()
                .filter(t -> !t.isBlank())
                .ifPresent(t -> entries.add(
                        new Entry(sha256(t), new Principal("bootstrap", Role.DEFAULTS.get("admin"), null))));
    }

    /**
     * The principal a presented token belongs to: a JWT (when enabled and the token has its shape)
     * verified by SmallRye JWT, else an API token, where every entry is compared so timing says nothing.
     */
    public Optional<Principal> authenticate(String token) {
        if (jwt.enabled() && JWT_SHAPE.matcher(token).matches()) {
            return fromJwt(token);
        }
        byte[] presented = sha256(token);
        Principal found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(presented, e.digest()) && found == null) {
                found = e.principal();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether any token can be used at all. */
    public boolean anyToken() {
        return !entries.isEmpty() || jwt.enabled();
    }

    /**
     * The rules of the roles, API tokens and JWT settings, adding each breach to {@code problems}: start-up's
     * one collector ({@code ConfigurationCheck}), and this bean's guard when it is made.
     */
    public static void check(RotatorConfig config, ConfigurationProblems problems) {
        read(config.security(), new HashMap<>(Role.DEFAULTS), new ArrayList<>(), problems);
    }

    private static void read(
            RotatorConfig.Security security,
            Map<String, Role> roles,
            List<Entry> entries,
            ConfigurationProblems problems) {
        security.roles().forEach((name, r) -> {
            String at = "rotator.security.roles." + name;
            if (Role.DEFAULTS.containsKey(name)) {
                problems.add(at, "'" + name + "' is a default role and cannot be redefined");
                return;
            }
            Set<Permission> permissions = EnumSet.noneOf(Permission.class);
            for (String p : r.permissions()) {
                Permission.of(p)
                        .ifPresentOrElse(
                                permissions::add,
                                () -> problems.add(
                                        at + ".permissions",
                                        "unknown permission '" + p + "' (known: "
                                                + java.util.Arrays.stream(Permission.values())
                                                        .map(Permission::id)
                                                        .collect(java.util.stream.Collectors.joining(", "))
                                                + ")"));
            }
            Set<Mode> modes = EnumSet.noneOf(Mode.class);
            for (String m : r.modes().orElse(List.of("test", "live"))) {
                Mode.of(m)
                        .ifPresentOrElse(
                                modes::add, () -> problems.add(at + ".modes", "must be test or live, got '" + m + "'"));
            }
            roles.put(name, new Role(name, permissions, modes));
        });
        security.tokens().forEach((name, t) -> {
            String at = "rotator.security.tokens." + name;
            Role role = roles.get(t.role());
            if (role == null) {
                problems.add(at + ".role", "unknown role '" + t.role() + "'");
            }
            if (!t.sha256().matches("[0-9a-f]{64}")) {
                problems.add(
                        at + ".sha256",
                        "must be the 64 lowercase hex characters of SHA-256 of the token "
                                + "(echo -n \"$TOKEN\" | sha256sum)");
            }
            if (role != null && t.sha256().matches("[0-9a-f]{64}")) {
                entries.add(new Entry(HexFormat.of().parseHex(t.sha256()), new Principal(name, role, null)));
            }
        });
        org.eclipse.microprofile.config.Config mp = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        jwtProblems(
                        security.jwt().enabled(),
                        mp.getOptionalValue("mp.jwt.verify.issuer", String.class),
                        mp.getOptionalValue("mp.jwt.verify.audiences", String.class))
                .forEach(problems::add);
    }

    /**
     * JWTs are accepted only when they are pinned to one issuer and to this service as audience: SmallRye
     * checks {@code iss} and {@code aud} only when told to, and any token of the same identity provider
     * carrying a role claim (minted for another client) would do otherwise.
     */
    static List<ConfigurationProblem> jwtProblems(
            boolean enabled, Optional<String> issuer, Optional<String> audiences) {
        List<ConfigurationProblem> problems = new ArrayList<>();
        if (enabled && issuer.filter(s -> !s.isBlank()).isEmpty()) {
            problems.add(new ConfigurationProblem(
                    "mp.jwt.verify.issuer",
                    "required with rotator.security.jwt.enabled (your identity provider's "
                            + "issuer URL): without it a token from any issuer signed with a trusted key is accepted"));
        }
        if (enabled && audiences.filter(s -> !s.isBlank()).isEmpty()) {
            problems.add(new ConfigurationProblem(
                    "mp.jwt.verify.audiences",
                    "required with rotator.security.jwt.enabled (the audience your "
                            + "identity provider puts in tokens for this service): without it tokens minted for other "
                            + "clients are accepted"));
        }
        return problems;
    }

    private Optional<Principal> fromJwt(String token) {
        JsonWebToken parsed;
        try {
            parsed = jwtParser.parse(token);
        } catch (ParseException e) {
            // The parser's messages quote the token and its claims; the cause's class says enough (signature,
            // expiry, issuer) to debug the identity provider's configuration.
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (JWT_REJECTIONS.allow(clock.millis())) {
                Log.infof("JWT rejected: %s", cause.getClass().getSimpleName());
            }
            return Optional.empty();
        }
        Role role = roleOf(parsed.getClaim(jwt.roleClaim()));
        if (role == null) {
            return Optional.empty();
        }
        // The identity is sub (immutable and unique per issuer); a display claim such as preferred_username
        // (which users may be able to change) is only shown beside it.
        String sub = parsed.getSubject();
        Object display = parsed.getClaim(jwt.subjectClaim());
        // A display name is the identity provider's user's text: shown as one line of text, never as control.
        String shown = display == null ? null : dev.kashierrotator.util.Printable.line(unquote(display));
        if (sub == null) {
            return Optional.empty();
        }
        long exp = parsed.getExpirationTime();
        return Optional.of(new Principal(
                "jwt:" + dev.kashierrotator.util.Printable.line(sub)
                        + (shown == null || shown.equals(sub) ? "" : " (" + shown + ")"),
                role,
                exp > 0 ? java.time.Instant.ofEpochSecond(exp) : null));
    }

    private Role roleOf(Object claim) {
        if (claim instanceof JsonArray array) {
            for (JsonValue v : array) {
                Role r = roles.get(unquote(v));
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        return claim == null ? null : roles.get(unquote(claim));
    }

    private static String unquote(Object claim) {
        return claim instanceof JsonString js ? js.getString() : claim.toString();
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
