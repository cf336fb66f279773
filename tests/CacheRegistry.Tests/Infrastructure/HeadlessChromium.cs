using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace CacheRegistry.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven by its chromedriver through Selenium, with a fresh profile that is
/// deleted afterwards. Screenshots go to .test-artifacts/screenshots, beside the test results.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    private readonly string _profile;

    private HeadlessChromium(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    public static string ScreenshotDirectory => Path.Combine(RepositoryRoot.Path, ".test-artifacts", "screenshots");

    public static HeadlessChromium Start()
    {
        var browser = Executable("chromium");
        var driverPath = Executable("chromedriver");
        var profile = Directory.CreateTempSubdirectory("cacheregistry-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = browser };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--window-size=1366,900");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new HeadlessChromium(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)), profile);
    }

    public void GoTo(Uri url) => Driver.Navigate().GoToUrl(url);

    public IWebElement ById(string id) => Driver.FindElement(By.Id(id));

    public bool Exists(string id) => Driver.FindElements(By.Id(id)).Count > 0;

    /// <summary>
    /// Clicks a link or a form's button and returns once the page it leads to has loaded. chromedriver does not
    /// always wait for a form's POST and its redirect, so the old page going stale is the signal.
    /// </summary>
    public void Follow(IWebElement element) => Navigating(element.Click);

    /// <summary>Submits a form and returns once the page it leads to has loaded.</summary>
    public void Submit(IWebElement form) => Navigating(form.Submit);

    /// <summary>Waits for what a page's script does after an event (it runs on its own time).</summary>
    public void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new WebDriverTimeoutException($"{what}: not within 30 s, at {Driver.Url}");
            Thread.Sleep(20);
        }
    }

    private void Navigating(Action act)
    {
        var page = Driver.FindElement(By.TagName("html"));
        act();
        WaitUntil(() => IsStale(page) && Equals(Driver.ExecuteScript("return document.readyState"), "complete"), "a new page after the click");
    }

    private static bool IsStale(IWebElement element)
    {
        try
        {
            _ = element.Enabled;
            return false;
        }
        catch (StaleElementReferenceException)
        {
            return true;
        }
        catch (UnknownErrorException e) when (e.Message.Contains("does not belong to the document", StringComparison.Ordinal))
        {
            return true; // asked while the old document was being replaced
        }
    }

    /// <summary>Saves the whole page (the window is made as tall as the page first).</summary>
    public void Screenshot(string name, int width = 1366)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        SaveScreenshot(Path.Combine(ScreenshotDirectory, $"{name}.png"), width);
    }

    public void SaveScreenshot(string path, int width = 1366)
    {
        var height = Convert.ToInt32(Driver.ExecuteScript("return document.documentElement.scrollHeight"), System.Globalization.CultureInfo.InvariantCulture);
        Driver.Manage().Window.Size = new Size(width, Math.Clamp(height + 20, 400, 6000));
        ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(path);
        Driver.Manage().Window.Size = new Size(1366, 900);
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes may still be settling; the temporary directory is the system's to clean.
        }
    }

    private static string Executable(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/lib/chromium"))
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException($"{name} is not installed (Debian: apt-get install chromium chromium-driver; test.sh does it)");
    }
}
