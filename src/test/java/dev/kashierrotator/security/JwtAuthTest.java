package dev.kashierrotator.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.TestJwt;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OIDC/JWT bearer tokens: verified against the identity provider's key and issuer, the role read from
 * the configured claim ({@code rotator.security.jwt.role-claim}); anything else is 401.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class JwtAuthTest {

    private static io.restassured.specification.RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    @Test
    void aSignedTokenCarriesItsRoleFromTheConfiguredClaim() {
        String token = TestJwt.sign(
                TestJwt.claims("0b6c-sub").claim("preferred_username", "alice").claim("rotator_role", "oncall"));
        bearer(token)
                .get("/api/v1/whoami")
                .then()
                .statusCode(200)
                .body("subject", equalTo("jwt:0b6c-sub (alice)"))
                .body("role", equalTo("oncall"))
                .body("permissions", hasItem("rotations:emergency"));
    }

    @Test
    void aRoleListPicksTheFirstKnownRoleAndCustomRolesKeepTheirModes() {
        String token = TestJwt.sign(
                TestJwt.claims("ci-runner").claim("rotator_role", List.of("offline_access", "test-operator", "admin")));
        bearer(token)
                .get("/api/v1/whoami")
                .then()
                .statusCode(200)
                .body("subject", equalTo("jwt:ci-runner"))
                .body("role", equalTo("test-operator"));
        bearer(token).get("/api/v1/keys/live-secret").then().statusCode(403);
        bearer(token).get("/api/v1/keys").then().statusCode(200).body("id", not(hasItem("live-secret")));
        bearer(token).get("/api/v1/keys/pay-e2e").then().statusCode(200);
    }

    @Test
    void forgedExpiredForeignOrRolelessTokensAre401() {
        List<String> rejected = List.of(
                TestJwt.forge(TestJwt.claims("mallory").claim("rotator_role", "admin")),
                TestJwt.sign(Jwt.issuer(TestJwt.ISSUER)
                        .subject("late")
                        .claim("rotator_role", "admin")
                        .issuedAt(System.currentTimeMillis() / 1000 - 7200)
                        .expiresAt(System.currentTimeMillis() / 1000 - 3600)),
                TestJwt.sign(Jwt.issuer("https://other-idp.example.test")
                        .subject("x")
                        .claim("rotator_role", "admin")
                        .expiresIn(300)),
                TestJwt.sign(TestJwt.claims("nobody")),
                TestJwt.sign(Jwt.issuer(TestJwt.ISSUER)
                        .audience("another-client")
                        .subject("x")
                        .claim("rotator_role", "admin")
                        .expiresIn(300)),
                TestJwt.sign(TestJwt.claims("superuser").claim("rotator_role", "root")));
        for (String token : rejected) {
            bearer(token).get("/api/v1/whoami").then().statusCode(401).body("detail", equalTo("invalid bearer token"));
        }
    }
}
