package dev.kashierrotator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.testing.ConfigMappings;
import dev.kashierrotator.testing.RotatorTestResource;
import io.smallrye.config.PropertiesConfigSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tokens are known only by their SHA-256; bad token or role configuration stops start-up, naming the entry. */
@Tag("fast")
class AccessControlTest {

    private static AccessControl load(Map<String, String> c) {
        return new AccessControl(
                ConfigMappings.rotator(new PropertiesConfigSource(c, "test", 100)),
                new io.smallrye.jwt.auth.principal.DefaultJWTParser(),
                java.time.Clock.systemUTC());
    }

    @Test
    void aTokenIsRecognisedByItsDigestAndNothingElse() {
        Map<String, String> c = new HashMap<>();
        c.put("rotator.security.tokens.alice.sha256", RotatorTestResource.sha256("s3cret-token"));
        c.put("rotator.security.tokens.alice.role", "oncall");
        AccessControl access = load(c);
        assertEquals("alice", access.authenticate("s3cret-token").orElseThrow().subject());
        assertEquals(
                "oncall",
                access.authenticate("s3cret-token").orElseThrow().role().name());
        assertTrue(access.authenticate("s3cret-token ").isEmpty());
        assertTrue(
                access.authenticate(RotatorTestResource.sha256("s3cret-token")).isEmpty(),
                "the stored digest is not itself a token");
        assertFalse(load(new HashMap<>()).anyToken());
    }

    @Test
    void badSecurityConfigurationIsNamed() {
        Map<String, String> c = new HashMap<>();
        c.put("rotator.security.tokens.bob.sha256", "5e884898da28");
        c.put("rotator.security.tokens.bob.role", "superuser");
        c.put("rotator.security.roles.ci.permissions", "keys:read,keys:write");
        c.put("rotator.security.roles.ci.modes", "staging");
        c.put("rotator.security.roles.admin.permissions", "keys:read");
        List<String> problems =
                assertThrows(InvalidConfiguration.class, () -> load(c)).problems();
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(
                problems.contains("rotator.security.tokens.bob.role: unknown role 'superuser'"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("rotator.security.tokens.bob.sha256: must be the 64")));
        assertTrue(problems.stream()
                .anyMatch(p ->
                        p.startsWith("rotator.security.roles.ci.permissions: unknown " + "permission 'keys:write'")));
        assertTrue(problems.contains("rotator.security.roles.ci.modes: must be test or live, got 'staging'"));
        assertTrue(problems.contains(
                "rotator.security.roles.admin: 'admin' is a default role and cannot be " + "redefined"));
    }

    @Test
    void jwtsAreAcceptedOnlyWhenPinnedToAnIssuerAndThisServiceAsAudience() {
        List<String> problems =
                AccessControl.jwtProblems(true, java.util.Optional.empty(), java.util.Optional.of(" ")).stream()
                        .map(Throwable::getMessage)
                        .toList();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("mp.jwt.verify.issuer: required with rotator.security.jwt.enabled"));
        assertTrue(problems.get(1).startsWith("mp.jwt.verify.audiences: required with rotator.security.jwt.enabled"));
        assertTrue(AccessControl.jwtProblems(
                        true,
                        java.util.Optional.of("https://idp.example"),
                        java.util.Optional.of("kashier-key-rotator"))
                .isEmpty());
        assertTrue(AccessControl.jwtProblems(false, java.util.Optional.empty(), java.util.Optional.empty())
                .isEmpty());
    }
}
