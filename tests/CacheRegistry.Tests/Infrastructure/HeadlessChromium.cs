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
