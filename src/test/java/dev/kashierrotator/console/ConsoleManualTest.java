package dev.kashierrotator.console;

import static dev.kashierrotator.testing.RotatorTestResource.key;
import static dev.kashierrotator.testing.RotatorTestResource.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.rotation.ManualDashboardTest;
import dev.kashierrotator.testing.Browser;
import dev.kashierrotator.testing.Person;
import dev.kashierrotator.testing.WorldPart;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
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
 * The person's side in a real browser, in manual mode (production's): the console shows the dashboard step's
 * instructions, takes the new key in a field that never shows it back and is empty once sent, and asks for
 * the old key's deletion with one button; an emergency rotation is confirmed by typing the key id, and
 * aborted with a reason.
 */
@QuarkusTest
@TestProfile(ManualDashboardTest.Manual.class)
class ConsoleManualTest {

    private static final String KEY = "conm-pay";
    private static final Person PERSON = new Person("MID-2000-002");

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
    void aPersonAnswersEachDashboardStepFromTheConsole() {
        signIn("operator-token");
        browser.go(console + "#/keys/" + KEY);
        browser.await(ExpectedConditions.presenceOfElementLocated(By.id("reason")), 10);
        browser.find("#reason").sendKeys("monthly rotation", Keys.ENTER);
        WebElement now =
                browser.await(ExpectedConditions.elementToBeClickable(By.xpath("//button[text()='Rotate now']")), 10);
        now.click();
        WebElement field = browser.await(ExpectedConditions.presenceOfElementLocated(By.id("new-key")), 30);
        String instructions = browser.find(".instructions").getText();
        assertTrue(instructions.contains("MID-2000-002"), instructions);
        assertEquals("password", field.getAttribute("type"), "never shown");
        assertEquals("off", field.getAttribute("autocomplete"), "never kept by the browser");
        browser.screenshotWhole("person-step");

        String key = PERSON.makePaymentKey();
        field.sendKeys(key, Keys.ENTER);
        // Cleared as it is sent (the form's handler empties it before the call), or already gone with the
        // step it answered.
        assertEquals(
                Boolean.TRUE,
                browser.js("const f = document.getElementById('new-key'); return f === null || f.value === '';"),
                "cleared once sent");
        assertFalse(browser.driver().getPageSource().contains(key), "the key is nowhere in the page");

        WebElement done = browser.await(
                ExpectedConditions.elementToBeClickable(By.xpath("//button[text()='Done in the dashboard']")), 30);
        String ask = browser.find(".instructions").getText();
        String old = browser.find(".facts").getText().replaceAll("(?s).*Fingerprint\\s*(\\w+) → .*", "$1");
        assertTrue(ask.contains(old), "it names the old key to delete: " + ask);
        PERSON.deletePaymentKey(old);
        done.click();
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".facts"), "COMPLETED"), 30);
        assertTrue(browser.all(".person").isEmpty(), "nothing asked any more");
        assertFalse(browser.driver().getPageSource().contains(key));
    }

    @Test
    void anEmergencyIsConfirmedByTypingTheKeyIdAndCanBeAbortedWithAReason() {
        signIn("oncall-token");
        browser.go(console + "#/keys/" + KEY);
        WebElement go = browser.await(
                ExpectedConditions.presenceOfElementLocated(By.xpath("//button[text()='Rotate now, in an emergency']")),
                10);
        assertFalse(go.isEnabled(), "not before the key id is typed");
        browser.find("#ereason").sendKeys("INC-4711 key in a public gist");
        browser.find("#confirm-id").sendKeys(KEY.substring(1));
        assertFalse(go.isEnabled(), "not for another id");
        browser.find("#confirm-id").clear();
        browser.find("#confirm-id").sendKeys(KEY);
        assertTrue(go.isEnabled());
        assertTrue(
                browser.find(".danger-zone").getText().contains("before any dependent has it"),
                "each order says what it means");
        browser.screenshotWhole("emergency");
        go.click();

        browser.await(ExpectedConditions.presenceOfElementLocated(By.id("new-key")), 30);
        assertTrue(browser.find(".facts").getText().contains("emergency (push-first)"));
        browser.find("#abort-reason").sendKeys("wrong key picked", Keys.ENTER);
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".facts"), "ABORTED"), 30);
        assertTrue(browser.all("#new-key").isEmpty(), "the person is no longer asked");
        assertTrue(browser.find(".timeline").getText().contains("do not do it now"), "and told not to do it");
        browser.screenshotWhole("aborted");
    }

    private void signIn(String token) {
        browser.go(console.toString());
        browser.await(ExpectedConditions.presenceOfElementLocated(By.id("token")), 10);
        browser.driver().switchTo().activeElement().sendKeys(token, Keys.ENTER);
        browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "·"), 10);
    }

    /** Its part of the manual-mode world: one payment key with a dependent. */
    public static class Part implements WorldPart {
        @Override
        public String world() {
            return ManualDashboardTest.ManualWorld.class.getSimpleName();
        }

        @Override
        public void addTo(Map<String, String> c) {
            key(c, KEY, "second", "test", "payment-api-key", "300ms");
            webhook(c, "conm-app", 0, List.of(KEY), "inline", "conm-app-secret", "conm-app-secret");
        }
    }
}
