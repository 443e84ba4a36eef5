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
    assert skipped.endswith("(video, 50 min, optional) **skipped**") and "~~[" in skipped
    assert any(line.startswith("- [ ] 2.1 ") and "(paper, 40 min)" in line for line in lines)
    # the totals count the two required resources; the skipped optional one is counted apart
    assert "**50%**: 1 of 2 required resources done or skipped (1 done, 0 skipped); 25 min done, 40 min left." in page
    assert "Optional, not counted above: 1 of 1 done or skipped; 0 min done, 0 min left." in page


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
    # the bars count the required resources; step 1's optional notes are counted on their own line
    assert step_lines == [
        "`████████████████████` 1 of 1 required done or skipped; complete",
        "`░░░░░░░░░░░░░░░░░░░░` 0 of 1 required done or skipped; 30 min left",
    ]
    assert [line for line in page.splitlines() if line.startswith("Optional:")] == [
        "Optional: 0 of 1 done or skipped; 20 min left",
    ]
    assert "## Before you start" not in page  # this catalogue has no prerequisite


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
    catalog = load_catalog(fixtures / "catalogs" / "minimal-valid.yaml")
    aged = catalog.steps[0].resources[0]._replace(dated="Theano <ended> in 2017 & more.")
    step = catalog.steps[0]._replace(resources=(aged, *catalog.steps[0].resources[1:]))
    catalog = catalog._replace(steps=(step, *catalog.steps[1:]))
    summary = summarise(catalog, Snapshot({}, frozenset(), None, {}), TODAY)
    page = html.render(catalog, {}, summary, today=TODAY)
    # a marker whose tooltip is the sentence, and the sentence in full below, escaped both times
    assert '<span class="marker" title="Theano &lt;ended&gt; in 2017 &amp; more.">Dated</span>' in page
    assert "<strong>Dated:</strong> Theano &lt;ended&gt; in 2017 &amp; more.</div>" in page
    assert page.count(">Dated</span>") == 1
    text = markdown.render(catalog, {}, summary, today=TODAY)
    assert "- [ ] 1.1 [Intro Video](<https://example.org/video>) (video, 10 min, dated)  \n" in text
    assert "*Dated:* Theano \\<ended\\> in 2017 \\& more\\." in text


def test_the_pages_follow_the_catalogue_model_prerequisite_optional_added_and_dated_apart(fixtures):
    # required: old-install 30 (dated), classic-paper 60 (done), guessed-post 20; optional: modern-video 40
    # (added, skipped), big-book 3000, modern-blog 25 (added); before you start: before-reading 15 (done)
    states = {"before-reading": "done", "classic-paper": "done", "modern-video": "skipped"}
    _, page = render(markdown, fixtures, states, name="with-extras.yaml")
    lines = page.splitlines()
    assert "`███████░░░░░░░░░░░░░` **33%**: 1 of 3 required resources done or skipped (1 done, 0 skipped);" \
           " 1 h done, 50 min left." in lines
    assert "Optional, not counted above: 1 of 3 done or skipped; 0 min done, 50 h 25 min left." in lines
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## Before you start (optional)", "## Step 1: First Step", "## Step 2: Second Step"]
    assert "1 of 1 done or skipped; complete. Never required." in lines
    assert "- [x] 0.1 [Before Reading](<https://example.org/before>) (blog, 15 min, optional)" in lines
    # the dated sentence follows on its own line (a hard line break: two spaces)
    assert "- [ ] 1.1 [Old Install Guide](<https://example.org/install>) (docs, 30 min, dated)  " in lines
    assert "  *Dated:* The library is gone; install a current one instead\\." in lines
    assert "- [ ] 1.3 ~~[Modern Video](<https://example.org/modern>)~~ (video, 40 min, optional, added by dlpath)" \
           " **skipped**" in lines
    assert "- [ ] 2.3 [Modern Blog](<https://example.org/modern-blog>) (blog, 25 min, optional, added by dlpath)" \
           in lines
    assert [line for line in lines if "required done or skipped;" in line or line.startswith("Optional:")] == [
        "`██████████░░░░░░░░░░` 1 of 2 required done or skipped; 30 min left",
        "Optional: 1 of 1 done or skipped; complete",
        "`░░░░░░░░░░░░░░░░░░░░` 0 of 1 required done or skipped; 20 min left",
        "Optional: 0 of 2 done or skipped; 50 h 25 min left",
    ]

    _, page = render(html, fixtures, states, name="with-extras.yaml")
    shown = seen(page)
    text = " ".join(shown.text.split())
    assert re.findall(r"<h2 [^>]*>([^<]*)</h2>", page) == [
        "Before you start (optional)", "Step 1: First Step", "Step 2: Second Step",
    ]
    assert 'aria-valuenow="1" aria-valuetext="33%, 1 of 3 required resources done or skipped"' in page
    assert "Required: 1 done, 0 skipped, 2 to go; 1 h done, 50 min left." in text
    assert "Optional, not counted above: 1 of 3 done or skipped; 0 min done, 50 h 25 min left." in text
    assert "1 of 1 done or skipped; complete. Never required." in text
    assert "Done 0.1 Before ReadingOptional" in text
    assert "To do 1.1 Old Install GuideDated" in text
    assert '<span class="marker" title="The library is gone; install a current one instead.">Dated</span>' in page
    assert "Skipped 1.3 Modern VideoOptionalAdded by dlpath" in text
    assert "To do 2.2 Big BookOptionalbook · 50 h" in text  # optional, but not added: no "Added by dlpath"
    assert "1 of 2 required done or skipped, 30 min left" in text
    assert "Optional: 1 of 1 done or skipped, complete" in text
    assert "Optional: 0 of 2 done or skipped, 50 h 25 min left" in text
