"""Regenerate the pictures the user guide shows, into ``docs/img/`` (small PNGs, committed)::

    python tools/docs_images.py                  # every picture, the playground's too
    python tools/docs_images.py --no-playground  # only the ones the pages' code draws

The pages' own code draws them: ``tests/test_docs.py`` runs every page's python blocks
with ``XARXA_DOCS_OUT`` set to a scratch directory, where each picture lands under the name
the page shows as ``img/<name>``. Each is then copied into ``docs/img/`` as a 256-colour
palette PNG (a third of the size or less; plots and diagrams look the same). Graphviz's
``dot`` draws the graph pictures; without it they are left as they are, and this says so.

The playground's screenshot (``docs/img/playground.png``) is taken in headless Chromium
driven by Selenium, as the playground's browser test does (Debian: ``apt-get install
chromium chromium-driver``): two spirals, sin features, an 8-8-6 tanh network trained
with Adam for about 600 updates, the forward/backward table of the point nearest the
plane's centre open.
Without Chromium the committed screenshot stays and this says so.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
IMG = DOCS / "img"
IMAGE = re.compile(r"!\[[^\]]*\]\(img/([^)\s]+)\)")
PLAYGROUND = "playground.png"
PLAYGROUND_QUERY = "?dataset=spirals&noise=0.05&features=x1,x2,sinx1,sinx2&hidden=8,8,6"
PLAYGROUND_UPDATES = 560
WINDOW = (1400, 1500)  # tall enough for the landscape and sharpness charts


def shown_pictures() -> dict[str, list[str]]:
    """Each picture under docs/img/ that a page shows -> the pages showing it."""
    shown: dict[str, list[str]] = {}
    for page in sorted(DOCS.glob("*.md")):
        for name in IMAGE.findall(page.read_text(encoding="utf-8")):
            shown.setdefault(name, []).append(page.name)
    return shown


def small_png(source: Path, target: Path) -> None:
    """Write `source` to `target` as a palette PNG of at most 256 colours."""
    from PIL import Image

    with Image.open(source) as image:
        rgb = image.convert("RGB")  # the pages' pictures are drawn on opaque white
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
        .save(target, optimize=True)


def draw_pages(scratch: Path) -> None:
    """Run every page's code (the docs tests) with its pictures kept in `scratch`."""
    env = {**os.environ, "XARXA_DOCS_OUT": str(scratch)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "tests/test_docs.py", "-k", "snippet"]
    print("running the pages' code:", " ".join(cmd[2:]), flush=True)
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    if done.returncode != 0:
        sys.exit(f"docs_images: the pages' code failed (pytest exit status {done.returncode})")


def _xarxa_command() -> list[str]:
    script = Path(sys.executable).with_name("xarxa")
    if script.exists():
        return [str(script)]
    found = shutil.which("xarxa")
    if found is None:
        sys.exit("docs_images: the `xarxa` command is not installed (pip install -e .)")
    return [found]


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") \
        else shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def _wait(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError(f"docs_images: timed out after {timeout:g} s waiting for {what}")


def screenshot_playground(target: Path, scratch: Path) -> bool:
    """Take the playground's screenshot into `target`; False when Chromium is missing."""
    found = _chromium()
    if found is None:
        print(f"docs/img/{PLAYGROUND}: kept as it is (needs Chromium and its driver: "
              "apt-get install chromium chromium-driver)")
        return False
    browser_path, driver_path = found
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, were it asked: no network
    server = subprocess.Popen(_xarxa_command() + ["playground", "--no-browser"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    driver = None
    try:
        url = None
        for line in server.stdout:  # the server prints its address first
            match = re.search(r"http://127\.0\.0\.1:\d+/?", line)
            if match:
                url = match.group(0).rstrip("/") + "/"
                break
        if url is None:
            raise RuntimeError("docs_images: `xarxa playground` printed no address")
        options = webdriver.ChromeOptions()
        options.binary_location = browser_path
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                    "--no-first-run", "--no-proxy-server", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    f"--user-data-dir={scratch / 'chromium-profile'}"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(executable_path=driver_path),
                                  options=options)
        driver.set_page_load_timeout(30)
        driver.get(url + PLAYGROUND_QUERY)
        _wait(lambda: driver.execute_script("return app.runId !== null && app.frame !== null"),
              30, "the playground's first run")
        driver.find_element(By.ID, "play").click()
        _wait(lambda: driver.execute_script("return app.frame.step") >= PLAYGROUND_UPDATES,
              120, f"{PLAYGROUND_UPDATES} updates")
        driver.find_element(By.ID, "play").click()  # pause, for a still picture
        _wait(lambda: not driver.execute_script("return app.playing"), 10, "the pause")
        driver.find_element(By.ID, "plane").click()  # the nearest point's table
        _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#trace table tbody tr"), 15,
              "the forward/backward table")
        time.sleep(2.0)  # the landscape and the Hessian's next frame
        shot = scratch / PLAYGROUND
        driver.save_screenshot(str(shot))
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)
    small_png(shot, target)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-playground", action="store_true",
                        help="leave the playground's screenshot as it is")
    args = parser.parse_args(argv)
    shown = shown_pictures()
    IMG.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xarxa-docs-") as tmp:
        scratch = Path(tmp)
        draw_pages(scratch)
        missing = []
        for name, pages in sorted(shown.items()):
            if name == PLAYGROUND:
                continue
            source = scratch / name
            if not source.is_file():
                missing.append(f"{name} (shown by {', '.join(pages)})")
                continue
            small_png(source, IMG / name)
            print(f"docs/img/{name}: {(IMG / name).stat().st_size:,} bytes")
        if PLAYGROUND in shown and not args.no_playground:
            if screenshot_playground(IMG / PLAYGROUND, scratch):
                print(f"docs/img/{PLAYGROUND}: {(IMG / PLAYGROUND).stat().st_size:,} bytes")
    for item in missing:
        print(f"docs/img/{item}: not drawn, kept as it is (the graph pictures need "
              "Graphviz's dot)")
    unused = sorted(p.name for p in IMG.glob("*.png") if p.name not in shown)
    for name in unused:
        print(f"docs/img/{name}: no page shows it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
