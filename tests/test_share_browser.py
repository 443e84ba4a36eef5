"""The shared HTML page in a real browser: headless Chromium renders it, and the test reads what a person sees.

Chromium comes from the system's packages (``apt-get install chromium``). ``.ci/run`` installs it and sets
``DLPATH_REQUIRE_BROWSER=1``, so in CI a missing browser fails these tests. Elsewhere (the README's test
command on a machine without Chromium) they are reported as skipped, with what to install: a browser test
that did not run is never reported as passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from dlpath.catalog import load_catalog
from dlpath.paths import bundled_data_file
from dlpath.progress import Entry, Snapshot, summarise
from dlpath.share import SharedPlan, html

TODAY = date(2026, 3, 4)
STAMP = "2026-03-01T10:00:00.000000+00:00"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE, DESKTOP = (390, 844), (1280, 900)


def find_chromium() -> str | None:
    """The Chromium binary: /usr/bin/chromium, else chromium or chromium-browser on PATH."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        why = "no Chromium: install it (apt-get install chromium) to run the browser test"
        if os.environ.get("DLPATH_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    return binary


def browse(binary: str, page: Path, *args: str) -> subprocess.Popen:
    """Start Chromium on ``page`` with a new, empty profile (nothing from an earlier run or the user)."""
    profile = tempfile.mkdtemp(prefix="dlpath-chromium-")
    return subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def finish(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, f"chromium exited with {process.returncode}"
    return out


class Page(HTMLParser):
    """What a person sees in a dumped DOM: headings, each resource's visible text and state, links, scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.h2: list[str] = []
        self.resources: list[dict[str, str]] = []
        self.links: list[str] = []
        self.scripts = 0
        self.images = 0
        self.body_attrs: dict[str, str | None] = {}
        self._in: list[str] = []
        self._li_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.images += 1
        if tag == "body":
            self.body_attrs = attrs
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if self._li_depth:
                self.resources[-1]["href"] = attrs["href"]
        if tag == "li" and "data-resource" in attrs:
            self._li_depth += 1
            self.resources.append({"id": attrs["data-resource"], "class": attrs.get("class", ""), "text": ""})
        elif tag == "li" and self._li_depth:
            self._li_depth += 1
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "li" and self._li_depth:
            self._li_depth -= 1
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        where = self._in[-1] if self._in else ""
        if where == "title":
            self.title += data
        elif where == "h1":
            self.h1 += data
        elif where == "h2":
            self.h2.append(data)
        if self._li_depth:
            self.resources[-1]["text"] += data


def read_dom(dom: str) -> Page:
    page = Page()
    page.feed(dom)
    return page


def variety(png: Path, size: tuple[int, int]) -> tuple[int, float, tuple[int, int, int]]:
    """Distinct colours, the share of pixels unlike the top-left one, and that corner's colour."""
    with Image.open(png) as image:
        assert image.size == size
        rgb = image.convert("RGB")
    background = rgb.getpixel((0, 0))
    colours = rgb.getcolors(maxcolors=1 << 24)
    unlike = sum(count for count, colour in colours if colour != background) / (size[0] * size[1])
    return len(colours), unlike, background


def make_page(folder: Path, catalog_file: Path, states: dict[str, str], plan: SharedPlan | None) -> Path:
    catalog = load_catalog(catalog_file)
    entries = {rid: Entry(state, STAMP) for rid, state in states.items()}
    summary = summarise(catalog, Snapshot(entries, frozenset(), None, {}), TODAY)
    page = folder / "progress.html"
    page.write_text(html.render(catalog, states, summary, today=TODAY, plan=plan), encoding="utf-8")
    return page


def test_the_page_shows_every_step_and_resource_with_its_state_and_link_at_phone_and_desktop_widths(
    tmp_path, chromium
):
    # One test for the four browser runs (they start at once), so that pytest-xdist never repeats them.
    catalog = load_catalog(bundled_data_file("steps.yaml"))
    ids = [r.id for r in catalog.resources]
    states = {ids[0]: "done", ids[1]: "done", ids[2]: "skipped", ids[3]: "in-progress"}
    fourth = catalog.resources[3]
    plan = SharedPlan(
        "5 h a week on mon, wed, sat, from 2 March 2026",
        "1 reading behind plan; on track to finish 14 June.",
        ((date(2026, 3, 2), ((date(2026, 3, 4), (f"{fourth.label} {fourth.title}",)),)),),
    )
    page_file = make_page(tmp_path, bundled_data_file("steps.yaml"), states, plan)
    runs = {
        "dom": browse(chromium, page_file, "--dump-dom"),
        "phone": browse(chromium, page_file, f"--screenshot={tmp_path / 'phone.png'}", "--window-size=390,844"),
        "desktop": browse(chromium, page_file, f"--screenshot={tmp_path / 'desktop.png'}", "--window-size=1280,900"),
        "dark": browse(chromium, page_file, "--force-dark-mode", f"--screenshot={tmp_path / 'dark.png'}",
                       "--window-size=390,844"),
    }
    page = read_dom(finish(runs.pop("dom")))
    for process in runs.values():
        finish(process)

    assert page.h1 == f"Progress: {catalog.title}"
    # the optional prerequisite comes first, in its own section, then the seven steps
    assert [h for h in page.h2 if h.startswith(("Step ", "Before"))] == [
        "Before you start (optional)", *(f"Step {s.number}: {s.title}" for s in catalog.steps)
    ]
    assert "Study plan" in page.h2
    assert catalog.prerequisites
    assert [r["id"] for r in page.resources] == [r.id for r in catalog.all_resources]
    words = {"not-started": "To do", "in-progress": "In progress", "done": "Done", "skipped": "Skipped"}
    for shown, resource in zip(page.resources, catalog.all_resources, strict=True):
        state = states.get(resource.id, "not-started")
        assert shown["class"] == state
        assert shown["text"].startswith(f"{words[state]} {resource.label} {resource.title}")
        assert resource.kind in shown["text"]
        assert shown["href"] == resource.url  # the link goes where the catalogue says
        assert ("Optional" in shown["text"]) == resource.optional
        assert ("Added by dlpath" in shown["text"]) == resource.added
        assert ("Dated" in shown["text"]) == (resource.dated is not None)
    assert page.scripts == 0 and page.images == 0
    assert all(link.startswith(("http://", "https://")) for link in page.links)

    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        colours, unlike, background = variety(tmp_path / f"{name}.png", size)
        assert background == (255, 255, 255)
        assert colours > 50, f"{name}: a near-blank screenshot ({colours} colours)"
        assert unlike > 0.02, f"{name}: only {unlike:.1%} of the screenshot is drawn on"
    colours, unlike, background = variety(tmp_path / "dark.png", PHONE)
    assert max(background) < 40, "dark mode: the background should be dark"
    assert colours > 50 and unlike > 0.02


def test_hostile_catalogue_text_is_shown_literally_and_never_run(tmp_path, chromium, fixtures):
    catalog_file = fixtures / "catalogs" / "hostile-html.yaml"
    catalog = load_catalog(catalog_file)
    page_file = make_page(tmp_path, catalog_file, {"script-title": "done"}, None)
    dom_run = browse(chromium, page_file, "--dump-dom")
    shot_run = browse(chromium, page_file, f"--screenshot={tmp_path / 'phone.png'}", "--window-size=390,844")
    page = read_dom(finish(dom_run))
    finish(shot_run)
    assert page.scripts == 0 and page.images == 0
    assert "data-pwned" not in page.body_attrs  # no injected handler or script ran
    assert page.title == f"Progress: {catalog.title}"  # the <script> in the title is text, and did not retitle
    assert page.h1 == f"Progress: {catalog.title}"
    assert page.h2 == [f"Step {s.number}: {s.title}" for s in catalog.steps]
    assert [r["id"] for r in page.resources] == ["script-title", "markdown-title", "plain-reading"]
    first = page.resources[0]
    assert first["text"].startswith("Done 1.1 <script>document.body.setAttribute('data-pwned','2')</script>Script")
    assert "by </li><li>Injected" in first["text"]
    assert first["href"] == catalog.resources[0].url  # the quote in the URL did not end the attribute
    colours, unlike, _ = variety(tmp_path / "phone.png", PHONE)
    assert colours > 50 and unlike > 0.02
