package dev.kashierrotator.vault;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.testing.Api;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes auth end to end: the service presents its service account token to OpenBao, OpenBao has
 * the (mock) Kubernetes API review it, and the service works with the token it gets.
 */
@QuarkusTest
@TestProfile(KubernetesAuthTest.KubernetesAuth.class)
class KubernetesAuthTest {

    public static class KubernetesAuth implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KubernetesAuthTestResource.class));
        }
    }

    @Test
    void theServiceAccountTokenBuysAVaultTokenThatWorks() throws Exception {
        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'vault' }.data.auth", equalTo("kubernetes"))
                .body("checks.find { it.name == 'vault' }.data.tokenExpiresAt", notNullValue());
        given().header("Authorization", "Bearer " + KubernetesAuthTestResource.TOKEN)
                .get("/api/v1/keys/k8s-auth-pay")
                .then()
                .statusCode(200)
                .body("fingerprint", notNullValue());

        // What OpenBao asked the Kubernetes API: a review of exactly the token in the service's file.
        RecordedRequest review = null;
        for (RecordedRequest r; (r = KubernetesAuthTestResource.apiServer.takeRequest(1, TimeUnit.SECONDS)) != null; ) {
            if (r.getPath().startsWith("/apis/authentication.k8s.io/v1/tokenreviews")) {
                review = r;
            }
        }
        assertTrue(review != null, "OpenBao reviewed the service account token with the Kubernetes API");
        JsonNode body = new ObjectMapper().readTree(review.getUtf8Body());
        assertEquals(
                KubernetesAuthTestResource.serviceAccountJwt,
                body.path("spec").path("token").asText());
        assertEquals("Bearer reviewer-token", review.getHeader("Authorization"));
    }
}
