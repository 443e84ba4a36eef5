"""The Markdown and HTML share pages as text: hostile catalogue strings stay literal, the pages carry what they promise.

The Markdown page is rendered with markdown-it-py (CommonMark, as GitHub's renderer builds on) so the
test sees what a reader would, not what the renderer meant to write.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from dlpath.catalog import load_catalog
from dlpath.progress import Entry, Snapshot, summarise
from dlpath.share import SharedPlan, html, markdown

TODAY = date(2026, 3, 4)
STAMP = "2026-03-01T10:00:00.000000+00:00"


def render(module, fixtures, states, plan=None, name="hostile-html.yaml"):
    catalog = load_catalog(fixtures / "catalogs" / name)
    entries = {rid: Entry(state, STAMP) for rid, state in states.items()}
    summary = summarise(catalog, Snapshot(entries, frozenset(), None, {}), TODAY)
    return catalog, module.render(catalog, states, summary, today=TODAY, plan=plan)


class Text(HTMLParser):
    """Tags and visible text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, list]] = []
        self.links: list[tuple[str, str]] = []
        self.text = ""
        self._href: str | None = None
        self._link_text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, attrs))
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href"), ""

    def handle_endtag(self, tag):
        if tag == "a":
            self.links.append((self._href, self._link_text))
            self._href = None

    def handle_data(self, data):
        self.text += data
        if self._href is not None:
            self._link_text += data


def seen(fragment: str) -> Text:
    parser = Text()
    parser.feed(fragment)
    return parser


def test_markdown_shows_hostile_text_literally_with_working_links_and_checkboxes(fixtures):
    catalog, page = render(markdown, fixtures, {"script-title": "done", "markdown-title": "skipped"})
    shown = seen(MarkdownIt("commonmark").enable("strikethrough").render(page))
    # no tag from the catalogue became markup: only what the page's own Markdown makes
    assert set(shown.tags) <= {"h1", "h2", "p", "a", "ul", "li", "code", "strong", "s", "hr", "br", "em"}
    assert "script" not in shown.tags and "img" not in shown.tags and "style" not in shown.tags
    for text in (catalog.title, catalog.steps[0].title, catalog.resources[0].title, catalog.resources[1].title):
        assert " ".join(text.split()) in shown.text
    assert " ".join(catalog.steps[0].summary.split()) in shown.text  # not a heading, list or link
    hrefs = [href for href, _ in shown.links]
    assert "javascript:alert(1)" not in hrefs and "https://evil.example" not in hrefs
    assert [text for _, text in shown.links][1:] == [r.title for r in catalog.resources]
    # the hostile URL still leads to the same address, percent-encoded, and did not end the link
    assert hrefs[1] == catalog.resources[0].url.replace('"', "%22").replace(">", "%3E").replace("<", "%3C")
    assert hrefs[2] == catalog.resources[1].url
    lines = page.splitlines()
    assert any(line.startswith("- [x] 1.1 ") for line in lines)  # done: ticked
    skipped = next(line for line in lines if line.startswith("- [ ] 1.2 "))
    assert skipped.endswith("**skipped**") and "~~[" in skipped
    assert any(line.startswith("- [ ] 2.1 ") and "(paper, 40 min)" in line for line in lines)
    assert "67%" in page and "25 min done, 40 min left" in page


def test_markdown_per_step_bars_time_and_plan(fixtures):
    plan = SharedPlan(
        "3 h a week on mon, wed, sat, from 2 March 2026",
        "On plan; on track to finish 9 March.",
        ((date(2026, 3, 2), ((date(2026, 3, 4), ("2.1 Plain reading (40 min)",)),)),),
    )
    _, page = render(markdown, fixtures, {"intro-video": "done"}, plan, name="minimal-valid.yaml")
    assert "## Study plan" in page
    shown = seen(MarkdownIt("commonmark").render(page)).text
    assert "3 h a week on mon, wed, sat, from 2 March 2026. On plan; on track to finish 9 March." in shown
    assert "Wed 4 March 2026: 2.1 Plain reading (40 min)" in shown
    step_lines = [line for line in page.splitlines() if "done or skipped;" in line and line.startswith("`")]
    assert step_lines == [
        "`██████████░░░░░░░░░░` 1 of 2 done or skipped; 20 min left",
        "`░░░░░░░░░░░░░░░░░░░░` 0 of 1 done or skipped; 30 min left",
    ]


def test_html_is_one_self_contained_accessible_page(fixtures):
    catalog, page = render(html, fixtures, {"script-title": "done", "markdown-title": "in-progress"})
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert re.search(r"<(script|img|link|iframe|object|embed)\b", page) is None  # no scripts, no assets
    assert not {name for _, attrs in seen(page).attrs for name, _ in attrs} & {"src", "srcset", "onerror", "onload"}
    assert "url(" not in page and "@import" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (prefers-color-scheme: dark)" in page and "@media print" in page
    assert page.count("<h1>") == 1 and page.count("<h2 ") == len(catalog.steps)
    assert 'role="progressbar"' in page and 'aria-valuetext="' in page  # the bars have words
    # every catalogue string is escaped: the hostile ones appear only as entities
    assert "<script>document" not in page and "&lt;script&gt;document.body" in page
    assert "&lt;/li&gt;&lt;li&gt;Injected" in page
    assert 'href="https://example.org/a?x=&quot;&gt;&lt;script&gt;' in page
    assert '<span class="state">In progress</span>' in page


def test_html_states_and_markers_are_words(fixtures):
    _, page = render(html, fixtures, {"intro-video": "done"}, name="minimal-valid.yaml")
    shown = seen(page)
    assert "Done 1.1 Intro Video" in " ".join(shown.text.split())
    assert "To do 1.2 Intro NotesOptional" in " ".join(shown.text.split())
    assert "To do 2.1 Deep Dive" in " ".join(shown.text.split())
    assert ("https://example.org/video", "Intro Video") in shown.links


def test_a_dated_resource_is_marked_in_both_pages(fixtures):
    # the catalogue may say what has aged about a resource ('dated'); the pages show it, escaped
    from types import SimpleNamespace

    catalog = load_catalog(fixtures / "catalogs" / "minimal-valid.yaml")
    first = catalog.steps[0].resources[0]
    aged = SimpleNamespace(**first._asdict(), label=first.label, dated="Theano <ended> in 2017 & more.")
    step = catalog.steps[0]._replace(resources=(aged, *catalog.steps[0].resources[1:]))
    catalog = catalog._replace(steps=(step, *catalog.steps[1:]))
    summary = summarise(catalog, Snapshot({}, frozenset(), None, {}), TODAY)
    page = html.render(catalog, {}, summary, today=TODAY)
    assert '<span class="marker">Dated</span>' in page
    assert "<strong>Dated:</strong> Theano &lt;ended&gt; in 2017 &amp; more.</div>" in page
    assert page.count('class="marker">Dated<') == 1
    text = markdown.render(catalog, {}, summary, today=TODAY)
    assert "*Dated:* Theano \\<ended\\> in 2017 \\& more\\." in text
