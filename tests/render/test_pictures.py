"""Each state the docs show in pictures, rendered by the real renderers through cmark-gfm
(scripts/render_pictures.py), has the structure a reader relies on: the heading says the state,
no HTML comment or placeholder shows, every table has a header row."""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = {
    "comment-blocked": "⛔ release-gate: blocked",
    "comment-needs-smoke": "🟡 release-gate: prod smoke required",
    "comment-passed": "✅ release-gate: prod smoke passed",
    "summary-pass": "✅ Signup smoke: PASS on production (https://api.raxx.app)",
    "summary-fail": "❌ Signup smoke: FAIL on production (https://api.raxx.app)",
}
PLACEHOLDER = re.compile(r"<PR>|\{(?:token|email|credential|python)\}|__[A-Z]+__|\bNone\b")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_pictures",
                                                  ROOT / "scripts" / "render_pictures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Visible(HTMLParser):
    """The text a browser shows, the headings, and each table's header cells."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self.tables: list[dict[str, int]] = []
        self._heading: list[str] | None = None
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        if tag == "table":
            self.tables.append({"th": 0, "thead": 0, "td": 0})
        elif tag in ("th", "thead", "td") and self.tables:
            self.tables[-1][tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


STATES = _script().states()


@pytest.mark.parametrize("name", sorted(HEADINGS))
def test_each_pictured_state_reads_as_its_state(name: str) -> None:
    html = _script().to_html(STATES[name])
    page = Visible()
    page.feed(html)
    shown = "".join(page.text)
    assert page.headings[0] == HEADINGS[name]
    assert "<!--" not in shown and "release-gate:state" not in shown  # comments stay hidden
    assert not PLACEHOLDER.search(shown), PLACEHOLDER.search(shown)
    assert "{'" not in shown  # no Python dict
    for table in page.tables:
        assert table["thead"] == 1 and table["th"] >= 3, table
    if name.startswith("summary"):
        assert page.tables, "the steps table"
    if name == "comment-blocked":
        lead = shown[shown.index(HEADINGS[name]) + len(HEADINGS[name]):].strip()
        assert lead.startswith("Blocked by begin-verify-pairing")


def test_the_docs_show_the_pictures_and_they_are_small() -> None:
    github = (ROOT / "docs" / "github.md").read_text("utf-8")
    smoke = (ROOT / "docs" / "smoke.md").read_text("utf-8")
    for name in HEADINGS:
        picture = ROOT / "docs" / "img" / f"{name}.png"
        assert picture.is_file() and picture.stat().st_size < 200_000, picture
        assert f"](img/{name}.png)" in (github if name.startswith("comment") else smoke)
