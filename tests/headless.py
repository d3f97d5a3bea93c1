"""Headless Chromium for the browser tests (the playground's page, Netron's): where the
browser and its driver are, and one way to start them offline."""
import os
import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") \
    else shutil.which("chromedriver")
MISSING = "needs chromium and chromium-driver (.ci/run installs them)"


def start_chromium(profile, window=(1400, 1250), logs=("browser",), monkeypatch=None):
    """A headless Chromium WebDriver with no network of its own (no sync, no updates, no
    proxy) and a fresh profile in `profile`; `logs` are the log types to keep."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    if monkeypatch is not None:
        monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager, were it asked: no network
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={window[0]},{window[1]}", "--no-first-run",
                "--no-proxy-server", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {kind: "ALL" for kind in logs})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver
