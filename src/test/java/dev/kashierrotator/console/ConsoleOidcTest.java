package dev.kashierrotator.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Browser;
import dev.kashierrotator.testing.OidcProvider;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.WorldPart;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Signing in to the console through the identity provider (authorization code with PKCE, the console as a
 * public client): the provider's token is held like a pasted one, its role decides what is offered, nothing
 * of the round trip stays in the browser, and the page's policy lets it call only the token endpoint besides
 * this service.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ConsoleOidcTest {

    @TestHTTPResource("/console")
    URL console;

    @Test
    void anOnCallEngineerSignsInThroughTheProviderAndNothingOfItStaysInTheBrowser() {
        given().get(console.toString())
                .then()
                .header(
                        "Content-Security-Policy",
                        containsString("connect-src 'self' " + World.provider.url("") + ";"));
        try (Browser browser = Browser.open()) {
            browser.go(console + "#/keys/live-secret");
            browser.await(ExpectedConditions.elementToBeClickable(By.id("oidc")), 10)
                    .click();
            browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "·"), 15);
            assertEquals("jwt:3f9a-dina (dina) · oncall", browser.find("#who").getText());
            browser.await(ExpectedConditions.presenceOfElementLocated(By.id("confirm-id")), 10);
            assertTrue(
                    browser.driver().getCurrentUrl().endsWith("/console#/keys/live-secret"),
                    "back where it started, without the code in the address: "
                            + browser.driver().getCurrentUrl());
            assertEquals(Map.of("local", "{}", "session", "{}", "cookies", ""), browser.keptByThePage());
            assertEquals(List.of(), World.provider.refused());
            List<String> messages = browser.consoleMessages();
            assertFalse(messages.stream().anyMatch(m -> m.contains("Content Security Policy")), messages.toString());
        }
    }

    @Test
    void aTokenThisServiceDoesNotAcceptEndsTheSignInWithWhy() {
        World.provider.role("no-such-role");
        try (Browser browser = Browser.open()) {
            browser.go(console.toString());
            browser.await(ExpectedConditions.elementToBeClickable(By.id("oidc")), 10)
                    .click();
            browser.await(
                    ExpectedConditions.textToBePresentInElementLocated(
                            By.tagName("main"), "this service does not accept its token"),
                    15);
            assertTrue(browser.find("#token").isDisplayed(), "back at the sign-in");
        } finally {
            World.provider.role("oncall");
        }
    }

    /** Its part of the test world: the identity provider the console offers to sign in with. */
    public static class World implements WorldPart {
        static OidcProvider provider;

        @Override
        public void addTo(Map<String, String> c) {
            provider = new OidcProvider();
            c.put("rotator.console.oidc.authorization-endpoint", provider.url("/authorize"));
            c.put("rotator.console.oidc.token-endpoint", provider.url("/token"));
            c.put("rotator.console.oidc.client-id", OidcProvider.CLIENT_ID);
            c.put("rotator.console.oidc.name", "Payments SSO");
        }

        @Override
        public void stop() {
            provider.close();
        }
    }
}
