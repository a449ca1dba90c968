package io.github.compresskv.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The page at {@code /} in a real headless browser (Debian's chromium and chromium-driver, driven by Selenium):
 * paste a document, compress it once with kvzip, ask the needle question, see the streamed answer, the full vs
 * kept KV bytes and the live metrics. Saves a screenshot to target/server-page.png (docs/server-page.png is one).
 * {@code ./run-tests} installs the browser when it is missing; without it this test fails, it is never skipped.
 */
class ServerPageBrowserTest {
    static CompressKvServer server;
    static WebDriver browser;

    @BeforeAll
    static void start() throws IOException {
        Path chromium = onPath("chromium", "chromium-browser");
        Path driver = onPath("chromedriver");
        if (chromium == null || driver == null) {
            fail("the page test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; ./run-tests installs them)");
        }
        server = TestServers.start(TestServers.options(1, 4));
        ChromeOptions o = new ChromeOptions().setBinary(chromium.toFile());
        // as root in a sandboxless VM with a closed network: no sandbox, no GPU, no background connections
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--user-data-dir=" + Files.createTempDirectory("compresskv-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, o);
        browser.manage().window().setSize(new Dimension(1280, 860));
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
    }

    @Test
    void compressADocumentAndAskInThePage() throws Exception {
        String text = Files.readString(Path.of("examples/needle-walden.txt"));
        String document = text.substring(0, text.indexOf("</book>.") + "</book>.".length());
        browser.get(TestServers.base(server) + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofMinutes(3));
        wait.until(d -> d.findElements(By.cssSelector("#method option")).size() > 5);
        ((JavascriptExecutor) browser).executeScript("document.getElementById('document').value = arguments[0];", document);
        new Select(browser.findElement(By.id("method"))).selectByVisibleText("kvzip");
        new Select(browser.findElement(By.id("unit"))).selectByVisibleText("sentence");
        browser.findElement(By.id("budget")).clear();
        browser.findElement(By.id("budget")).sendKeys("128");
        browser.findElement(By.id("compress")).click();
        wait.until(d -> d.findElement(By.id("ctx-info")).getText().contains("kept"));
        String info = browser.findElement(By.id("ctx-info")).getText();
        assertTrue(info.contains("kvzip budget=128 unit=sentence"), info);

        browser.findElement(By.id("ask")).click();
        wait.until(d -> d.findElement(By.id("answer-stats")).getText().contains("tok/s"));
        String answer = browser.findElement(By.id("answer")).getText();
        String stats = browser.findElement(By.id("answer-stats")).getText();
        assertTrue(!answer.isBlank(), "an answer streamed into the page");
        assertTrue(stats.contains("from the compressed context") && stats.contains("kept"), stats);
        wait.until(d -> d.findElement(By.id("live-kv")).getText().endsWith("MiB") && d.findElement(By.id("live-contexts")).getText().startsWith("1"));

        File shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(shot.toPath(), Path.of("target/server-page.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("page answer: " + answer + " | " + stats);
    }

    private static Path onPath(String... names) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String n : names) {
                Path p = Path.of(dir, n);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }
}
