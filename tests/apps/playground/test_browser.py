"""The page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
which .ci/run installs) driven by Selenium. XOR with a 2-4-4-1 tanh network learns until
the test loss is below 0.1, a clicked point shows its forward/backward table, the page's
state lives in its URL, a screenshot is saved, and the console has no errors.

Nothing is downloaded: the driver's path is given (Selenium Manager is never asked) and
the page has no external resources.
"""
import time

import pytest
from headless import CHROMIUM, DRIVER, start_chromium

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Chromium and its driver (Debian: apt-get install chromium chromium-driver)")

DEADLINE = 20.0  # seconds for the test loss to fall below 0.1


@pytest.fixture
def browser(tmp_path, monkeypatch):
    driver = start_chromium(tmp_path / "profile", monkeypatch=monkeypatch)
    yield driver
    driver.quit()


def _wait(condition, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _labels(element):
    """What the page's chart helper drew on a canvas: its title, axis labels, legend, ticks."""
    import json
    read = lambda key: element.get_attribute(f"data-{key}") or ""  # noqa: E731
    return {"title": read("title"), "xlabel": read("xlabel"), "ylabel": read("ylabel"),
            "legend": json.loads(read("legend") or "[]"),
            "xticks": json.loads(read("xticks") or "[]"),
            "yticks": json.loads(read("yticks") or "[]")}


def _check_chart_labels(browser, by_id):
    """Every chart is projectable: a title, labelled axes with tick values, and a legend
    naming each series when there are several (issue 19)."""
    _wait(lambda: by_id("landscape").get_attribute("data-title"), 20, "the landscape")
    want = {"loss-chart": ("Loss (cross-entropy)", "update", "loss", ["train", "test"]),
            "acc-chart": ("Accuracy", "update", "accuracy", ["train", "test"]),
            "hessian": ("Hessian eigenvalues", "update", "eigenvalue", ["λmax", "λmin"]),
            "landscape": (None, "direction 1", "direction 2", ["path", "start", "now"]),
            "plane": ("Decision regions: P(class 1)", "x₁", "x₂",
                      ["class 0", "class 1", "test point (dark ring)"])}
    for name, (title, xlabel, ylabel, legend) in want.items():
        got = _labels(by_id(name))
        assert got["title"] and (title is None or got["title"] == title), (name, got)
        assert (got["xlabel"], got["ylabel"], got["legend"]) == (xlabel, ylabel, legend), \
            (name, got)
        assert len(got["xticks"]) >= 2 and len(got["yticks"]) >= 2, (name, got)
    assert "update" in _labels(by_id("landscape"))["title"]
    assert "100 %" in _labels(by_id("acc-chart"))["yticks"]
    assert by_id("landscape").get_attribute("data-colourbar")  # the colours' values
    # the log scale relabels the loss axis
    by_id("log-loss").click()
    assert _labels(by_id("loss-chart"))["ylabel"] == "loss (log scale)"
    by_id("log-loss").click()


def test_page_trains_xor_and_shows_a_points_table(browser, client, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    by_id = lambda name: browser.find_element(By.ID, name)  # noqa: E731
    base = f"http://127.0.0.1:{client.port}/"
    browser.get(base + "?dataset=moons&hidden=3")
    # the URL's settings are the page's settings
    _wait(lambda: browser.execute_script("return app.runId !== null && app.frame !== null"),
          15, "the first run")
    assert Select(by_id("dataset")).first_selected_option.get_attribute("value") == "moons"
    assert by_id("hidden").get_attribute("value") == "3"

    # choose XOR with a 2-4-4-1 tanh network, as a student would
    Select(by_id("dataset")).select_by_value("xor")
    hidden = by_id("hidden")
    hidden.clear()
    hidden.send_keys("4,4", Keys.TAB)
    Select(by_id("activation")).select_by_value("tanh")
    _wait(lambda: "hidden=4%2C4" in browser.current_url or "hidden" not in browser.current_url,
          5, "the URL to follow the settings")
    assert "dataset=moons" not in browser.current_url
    by_id("play").click()

    def test_loss():
        value = by_id("test-loss").get_attribute("data-value")
        return float(value) if value else None
    _wait(lambda: (test_loss() or 1) < 0.1, DEADLINE, "the test loss to fall below 0.1")
    config = browser.execute_script("return app.hello.config")
    assert (config["dataset"], config["hidden"], config["activation"], config["features"]) == \
        ("xor", [4, 4], "tanh", ["x1", "x2"])
    assert len(browser.find_elements(By.CSS_SELECTOR, "#network .node")) == 2 + 4 + 4 + 1

    by_id("plane").click()  # the nearest point's forward/backward table
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#trace table tbody tr"), 10,
          "the forward/backward table")
    title = by_id("trace-title").text
    assert "point" in title and "gradients of its loss" in title
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in browser.find_elements(By.CSS_SELECTOR, "#trace table tbody tr")]
    assert [r[1] for r in rows[:4]] == ["Linear", "Tanh", "Linear", "Tanh"]
    assert [r[0] for r in rows if r[1] == "leaf"] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert by_id("message").get_attribute("hidden") is not None  # no error shown

    by_id("play").click()  # pause, for a still picture
    _check_chart_labels(browser, by_id)
    shot = tmp_path / "playground.png"
    browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    print(f"screenshot: {shot}")

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
