package dev.kashierrotator.console;

import static dev.kashierrotator.testing.RotatorTestResource.key;
import static dev.kashierrotator.testing.RotatorTestResource.webhook;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Browser;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.WorldPart;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The console in a real browser (Debian's chromium, headless), against the running service on the
 * simulator path: sign in with the keyboard, plan and start a rotation and watch its waves complete live,
 * a viewer's console without a single action, the audit trail, a phone-sized screen. Screenshots of each
 * page go where {@code console.screenshots} says (docs/console/ when refreshed for the README).
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ConsoleTest {

    static final String KEY = "con-pay";

    @TestHTTPResource("/console")
    URL console;

    private Browser browser;

    @BeforeEach
    void openBrowser() {
        browser = Browser.open();
    }

    @AfterEach
    void closeBrowser() {
        browser.close();
    }

    @Test
    void theConsoleIsServedUnderAStrictPolicyWithNoInlineScript() {
        String page = given().get(console.toString())
                .then()
                .statusCode(200)
                .header("Content-Security-Policy", containsString("default-src 'none'"))
                .header("Content-Security-Policy", containsString("script-src 'self';"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("Cache-Control", equalTo("no-store"))
                .extract()
                .asString();
        assertFalse(page.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "no inline script");
        assertFalse(page.contains("style="), "no inline style");
        assertFalse(page.matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing from another origin");
        given().get(console + "/console.js").then().statusCode(200).contentType(containsString("javascript"));
        given().get(console + "/other.js").then().statusCode(404);
    }

    @Test
    void anOperatorSignsInWithTheKeyboardPlansARotationAndWatchesItsWavesComplete() {
        signIn("operator-token");
        browser.await(ExpectedConditions.presenceOfElementLocated(By.linkText(KEY)), 10);
        assertTrue(browser.find("caption").getText().contains("never values"));
        browser.screenshot("keys");

        browser.driver().findElement(By.linkText(KEY)).click();
        browser.await(ExpectedConditions.presenceOfElementLocated(By.id("reason")), 10);
        browser.find("#reason").sendKeys("quarterly rotation, from the console");
        browser.driver()
                .findElement(By.xpath("//button[text()='Show the plan']"))
                .click();
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".plan"), "Wave 1"), 10);
        assertTrue(
                browser.find(".plan").getText().contains("ROLLOUT"),
                browser.find(".plan").getText());
        browser.screenshotWhole("key-plan");

        browser.driver().findElement(By.xpath("//button[text()='Rotate now']")).click();
        browser.await(ExpectedConditions.urlContains("#/rotations/rot-"), 10);
        browser.js("window.kkrSamePage = true;");
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".facts"), "COMPLETED"), 30);
        List<WebElement> waves = browser.all(".wave");
        assertEquals(2, waves.size());
        for (WebElement wave : waves) {
            assertTrue(wave.getText().contains("2 of 2 confirmed"), wave.getText());
            WebElement bar = wave.findElement(By.tagName("progress"));
            assertEquals(bar.getAttribute("max"), bar.getAttribute("value"), "a full bar");
        }
        assertEquals(Boolean.TRUE, browser.js("return window.kkrSamePage === true;"), "updated live, not reloaded");
        assertTrue(browser.find(".timeline").getText().contains("EXPIRE_OLD_KEY"));
        browser.screenshotWhole("rotation");

        assertEquals(Map.of("local", "{}", "session", "{}", "cookies", ""), browser.keptByThePage());
        List<String> messages = browser.consoleMessages();
        assertTrue(messages.stream().noneMatch(m -> m.contains("Content Security Policy")), messages.toString());
    }

    @Test
    void aViewerIsOfferedNothingItMayNotDo() {
        signIn("viewer-token");
        browser.await(ExpectedConditions.presenceOfElementLocated(By.linkText(KEY)), 10);
        browser.driver().findElement(By.linkText(KEY)).click();
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "Recent rotations"), 10);
        assertEquals(List.of("Sign out"), buttons(), "no rotate, no emergency");
        browser.screenshotWhole("viewer-key");
        browser.go(console + "#/schedule");
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "Overdue keys"), 10);
        assertEquals(List.of("Sign out"), buttons(), "no pause");
        assertTrue(browser.all("#nav a[href='#/audit']").isEmpty(), "no audit trail for a viewer");
    }

    @Test
    void theAuditTrailSaysWhetherItsChainVerifiesAndTheScheduleItsState() {
        signIn(RotatorTestResource.TOKEN);
        browser.await(ExpectedConditions.presenceOfElementLocated(By.linkText(KEY)), 10);
        browser.find("#nav a[href='#/audit']").click();
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "The chain verifies"), 10);
        browser.screenshotWhole("audit");
        browser.find("#nav a[href='#/schedule']").click();
        browser.await(ExpectedConditions.presenceOfElementLocated(By.id("pause-reason")), 10);
        browser.screenshot("schedule");
    }

    @Test
    void onAPhoneThePageFitsTheScreen() {
        browser.size(390, 844);
        signIn("operator-token");
        browser.await(ExpectedConditions.presenceOfElementLocated(By.linkText(KEY)), 10);
        long overflow = (Long) browser.js("return document.documentElement.scrollWidth - window.innerWidth;");
        assertTrue(overflow <= 0, "no sideways scrolling of the page (tables scroll in their box): " + overflow);
        browser.screenshot("keys-phone");
    }

    private void signIn(String token) {
        browser.go(console.toString());
        WebElement field = browser.await(ExpectedConditions.presenceOfElementLocated(By.id("token")), 10);
        assertEquals("password", field.getAttribute("type"));
        assertEquals("off", field.getAttribute("autocomplete"));
        // The field has the focus: typing and Enter is all it takes.
        browser.driver().switchTo().activeElement().sendKeys(token, Keys.ENTER);
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "·"), 10);
        assertFalse(browser.driver().getPageSource().contains(token), "the token is not left in the page");
    }

    private List<String> buttons() {
        return browser.all("button").stream()
                .filter(WebElement::isDisplayed)
                .map(WebElement::getText)
                .toList();
    }

    /** Its part of the test world: a payment key with two dependents in each of two waves, and a soak to watch. */
    public static class Part implements WorldPart {
        @Override
        public void addTo(Map<String, String> c) {
            key(c, KEY, "main", "test", "payment-api-key", "300ms");
            for (String d : List.of("con-checkout", "con-billing")) {
                webhook(c, d, 0, List.of(KEY), "inline", d + "-secret", d + "-secret");
            }
            for (String d : List.of("con-reports", "con-ledger")) {
                webhook(c, d, 1, List.of(KEY), "inline", d + "-secret", d + "-secret");
            }
            c.put("rotator.keys." + KEY + ".rollout.soak", "1s");
            // Not due at the month-ahead ticks of SchedulerTest, which shares this world.
            c.put("rotator.keys." + KEY + ".schedule.every", "90d");
        }
    }
}
