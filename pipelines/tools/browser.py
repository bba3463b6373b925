"""A review page opened in a real browser and checked: what the browser test and a person use.

    python -m pipelines.tools.browser OUT_review.html [--screenshot page.png] [--height 1400]

opens the page in headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium), and prints what it found as JSON: errors in the browser's console, thumbnails that did
not load, the rows (page after page) against the shots of ``OUT_review.json`` beside it, the
shots marked as missing from the colour release against the JSON's, what each filter leaves, and
the Nu Html Checker's errors (``vnu.jar``, from the npm package ``vnu-jar``, run with Java).
Exit code 1 when any is wrong. ``make setup`` installs all of it.

Selenium is given the driver's path, so it never runs Selenium Manager (which goes online), and
Chromium's flags keep it off the network (``--host-resolver-rules``). The page must load no image
lazily (a headless browser never scrolls to them) and fetch nothing (``file://`` forbids it).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"))
FLAGS = [
    "--headless=new",
    "--no-sandbox",  # as root the sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # a small /dev/shm in containers crashes tabs
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no look-up of any host name
    "--window-size=1400,800",
    "--lang=en-US",
]
INSTALL = (
    "make setup installs it (apt-get install chromium chromium-driver default-jre-headless; "
    "pip install selenium; npm install vnu-jar)"
)


def missing() -> str | None:
    """What the browser check lacks here, and how to install it; None when all is there."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} not found (Debian package {package}): {INSTALL}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return f"selenium is not installed: {INSTALL}"
    if not shutil.which("java"):
        return f"java not found (Debian package default-jre-headless): {INSTALL}"
    if not VNU_JAR.is_file():
        return f"{VNU_JAR} not found (npm package vnu-jar): {INSTALL}"
    return None


_ALL_ROWS = """
const pager = document.getElementById("page"), out = [];
const turn = (value) => { pager.value = value; pager.dispatchEvent(new Event("change")); };
for (const option of [...pager.options]) {
  turn(option.value);
  out.push(...[...document.querySelectorAll("#shots tbody tr")]
    .filter((r) => r.checkVisibility() && (!arguments[0] || r.querySelector(arguments[0])))
    .map((r) => Number(r.dataset.shot)));
}
turn("0");
return out;
"""


class Browser:
    """Headless Chromium with a fresh profile, its console log kept."""

    def __enter__(self) -> Browser:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        self.profile = tempfile.mkdtemp(prefix="filmcolor-chromium-")
        options.add_argument(f"--user-data-dir={self.profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # With the driver's path given, Selenium Manager is never run.
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        return self

    def __exit__(self, *exc) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, page: Path) -> list[str]:
        """Load ``page``; the console's errors (and failed loads) while it loaded."""
        self.problems()  # what an earlier page left
        self.driver.get(Path(page).resolve().as_uri())  # returns once every image loaded or failed
        return self.problems()

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, failed loads since the last call."""
        log = self.driver.get_log("browser")
        return [f"{e['source']}: {e['message']}" for e in log if e["level"] == "SEVERE"]

    def script(self, code: str):
        return self.driver.execute_script(code)

    def broken_images(self) -> list[str]:
        return self.script(
            "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.alt || i.src.slice(0, 60));"
        )

    def visible_rows(self) -> list[int]:
        return self.script(
            "return [...document.querySelectorAll('#shots tbody tr')]"
            ".filter(r => r.checkVisibility()).map(r => Number(r.dataset.shot));"
        )

    def all_rows(self, marked: str = "") -> list[int]:
        """The rows shown, page after page (the page shows a page of rows at a time), back on the
        first page after; with ``marked`` (a CSS selector), only those holding such an element."""
        return self.driver.execute_script(_ALL_ROWS, marked)

    def choose(self, select_id: str, value: str) -> None:
        """Pick an option of a <select> as a person does (a real click on it, then the option)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        element = self.driver.find_element(By.ID, select_id)
        element.click()
        Select(element).select_by_value(value)

    def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, css).click()

    def screenshot(self, path: Path, height: int | None = None) -> tuple[int, int]:
        """The whole page (or its top ``height`` pixels) as a PNG; its size."""
        w, h = self.script(
            "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight];"
        )
        h = min(h, height) if height else h
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
            },
        )
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return w, h


def validate(pages: list[Path]) -> list[str]:
    """The Nu Html Checker's errors in ``pages`` (all in one run: Java starts once)."""
    cmd = ["java", "-Xss4m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR)]
    cmd += ["--errors-only", "--no-langdetect", "--format", "json", *map(str, pages)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    report = json.loads(run.stderr or run.stdout or '{"messages": []}')  # JSON goes to stderr
    errors = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m['message']}"
        for m in report["messages"]
        if m["type"] in ("error", "non-document-error")
    ]
    if run.returncode and not errors:
        raise RuntimeError(f"vnu.jar failed: {run.stderr[-500:]}")
    return errors


def check_page(browser: Browser, page: Path) -> dict:
    """What the page shows against its ``OUT_review.json``: figures, and ``wrong`` listing what
    disagrees."""
    data = json.loads(Path(str(page).replace("_review.html", "_review.json")).read_text())
    shots = [r["shot"] for r in data["shots"]]
    lacking = sorted(r["shot"] for r in data["shots"] if r["release_lacks"])
    warned = sorted(r["shot"] for r in data["shots"] if r["warnings"])
    found = {"console_errors": browser.open(page)}
    found["images"] = browser.script("return document.images.length")
    found["broken_images"] = browser.broken_images()
    found["rows"] = browser.all_rows()
    found["marked_lacking"] = browser.all_rows(".lacks")
    filters = {}
    tried = (("lacks", lacking),) if data["release"] else ()
    for value, want in (*tried, ("warning", warned), ("all", shots)):
        browser.choose("filter", value)
        filters[value] = sorted(browser.all_rows())
        found["shown_text"] = browser.script("return document.getElementById('shown').textContent")
        if filters[value] != sorted(want):
            found.setdefault("wrong", []).append(f"filter {value}: {filters[value]} != {want}")
    found["filters"] = filters
    browser.click("th[data-key='first'] button")  # sorted ascending by first frame
    browser.click("th[data-key='first'] button")  # and descending
    found["sorted_descending"] = browser.all_rows() == sorted(shots, reverse=True)
    found["console_errors"] += browser.problems()
    wrong = found.setdefault("wrong", [])
    wrong += [f"console: {e}" for e in found["console_errors"]]
    wrong += [f"image did not load: {a}" for a in found["broken_images"]]
    if found["rows"] != shots:
        wrong.append(f"rows {found['rows']} != shots {shots}")
    if sorted(found["marked_lacking"]) != lacking:
        wrong.append(f"marked as lacking {found['marked_lacking']} != {lacking}")
    if not found["sorted_descending"]:
        wrong.append("sorting by first frame does not reverse the rows")
    found["shots"], found["lacking"] = len(shots), lacking
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pages", type=Path, nargs="+", help="OUT_review.html files")
    ap.add_argument("--screenshot", type=Path, help="a PNG of the first page")
    ap.add_argument("--height", type=int, default=None, help="only the top of the page, pixels")
    args = ap.parse_args(argv)
    if why := missing():
        sys.exit(why)
    bad = False
    with Browser() as browser:
        for page in args.pages:
            found = check_page(browser, page)
            bad |= bool(found["wrong"])
            print(json.dumps({"page": str(page), **found}))
        if args.screenshot:
            browser.open(args.pages[0])
            print("screenshot", args.screenshot, browser.screenshot(args.screenshot, args.height))
    errors = validate(args.pages)
    print(json.dumps({"html_errors": errors}))
    return 1 if bad or errors else 0


if __name__ == "__main__":
    sys.exit(main())
