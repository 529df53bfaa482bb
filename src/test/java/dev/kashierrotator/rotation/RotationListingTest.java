package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listing one key's rotations reads that key's index in Vault, newest first, whatever else ran. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RotationListingTest {

    @Test
    void aKeysRotationsComeFromItsIndexNewestFirst() {
        String first = rotate("list-pay", "listing one");
        awaitState(first, "COMPLETED", 30);
        String other = rotate("secret-e2e", "something else in between");
        awaitState(other, "COMPLETED", 30);
        String second = rotate("list-pay", "listing two");
        awaitState(second, "COMPLETED", 30);

        List<String> ids = asAdmin()
                .get("/api/v1/rotations?keyId=list-pay&limit=1000")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("id");
        assertEquals(List.of(second, first), ids);
        assertEquals(
                List.of(second),
                asAdmin()
                        .get("/api/v1/rotations?keyId=list-pay&limit=1")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("id"));
        List<String> all = asAdmin()
                .get("/api/v1/rotations?limit=1000")
                .then()
                .extract()
                .jsonPath()
                .getList("id");
        assertTrue(all.containsAll(List.of(first, other, second)), "unfiltered listing still sees every record");

        // The index, as the README's Vault layout describes it.
        JsonPath index = JsonPath.from(OpenBao.get().api("GET", "secret/data/kashier-rotator/index/list-pay", null));
        assertEquals(first + "," + second, index.getString("data.data.ids"));
    }
}
