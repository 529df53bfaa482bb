package dev.kashierrotator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, driven through its chromedriver (both installed by the build,
 * scripts/install-test-tools.sh): a fresh profile each time, no network but this machine's, and the page's
 * console kept so a test can see a Content-Security-Policy violation.
 */
public final class Browser implements AutoCloseable {

    private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver");

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** A new headless browser, desktop-sized; skipped only when asked to ({@code -DskipBrowserTests}). */
    public static Browser open() {
        Assumptions.assumeFalse(Boolean.getBoolean("skipBrowserTests"), "browser tests skipped on request");
        try {
            Path profile = Files.createTempDirectory("kkr-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM);
            // As this machine's notes ask: without the background-networking flags Chromium's own connections
            // are refused by the closed network, many at a time.
            options.addArguments(
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    "--user-data-dir=" + profile);
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
                    .usingAnyFreePort()
                    .build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Browser(driver, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void go(String url) {
        driver.get(url);
    }

    /** Waits (polling, with a deadline) until the condition holds. */
    public <T> T await(ExpectedCondition<T> condition, int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds))
                .pollingEvery(Duration.ofMillis(100))
                .until(condition);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** A phone-sized window (an iPhone 13's viewport), or back to a desktop one. */
    public void size(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Saves a screenshot of the viewport as {@code <name>.png} where {@code console.screenshots} says. */
    public Path screenshot(String name) {
        Path dir = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A screenshot of the whole page, as tall as it is (at most 2,400 px), the window then put back. */
    public Path screenshotWhole(String name) {
        Dimension before = driver.manage().window().getSize();
        long height = (Long) js("return document.documentElement.scrollHeight;");
        size(before.getWidth(), (int) Math.min(2400, height + (before.getHeight() - windowInnerHeight())));
        try {
            return screenshot(name);
        } finally {
            size(before.getWidth(), before.getHeight());
        }
    }

    private long windowInnerHeight() {
        return (Long) js("return window.innerHeight;");
    }

    /** What the page wrote to its console since the last call (CSP violations land here). */
    public List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .toList();
    }

    /** Values the page keeps beyond the tab's memory: storage and cookies. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> keptByThePage() {
        return (Map<String, Object>) js("return {local: JSON.stringify(localStorage), session: "
                + "JSON.stringify(sessionStorage), cookies: document.cookie};");
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary profile left behind is harmless.
        }
    }
}
