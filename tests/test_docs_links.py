"""The docs hold together: every relative link in README.md and docs/*.md resolves to a file of
the repository (and its `#anchor` to a heading or `<a id>` there), and every `.md` document that
the package, the docs, the workflows or rules.yaml cite ships with the project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CITED = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b")
# Where the project cites documents. tests/ is left out: its fixtures name made-up files.
CITING = [ROOT / "README.md", ROOT / "rules.yaml", *sorted((ROOT / "docs").glob("*")),
          *sorted((ROOT / "release_gate").rglob("*.py")), *sorted((ROOT / "bench").glob("*.py")),
          *sorted((ROOT / ".github").rglob("*.yml"))]


def anchors(page: Path) -> set[str]:
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    found = set(re.findall(r"<a id=\"([^\"]+)\"", text))
    for heading in re.findall(r"^#+\s+(.*)$", text, re.MULTILINE):
        found.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return found


def broken_links(text: str, *, page: Path) -> list[str]:
    """The links of `text` (the content of `page`) that lead nowhere."""
    broken = []
    for target in LINK.findall(CODE_BLOCK.sub("", text)):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto: ... are not files of the repository
        path, _, fragment = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.is_file():
            broken.append(f"{target} (no such file)")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(f"{target} (no such anchor)")
    return broken


def missing_documents(text: str, *, source: Path) -> list[str]:
    """The `.md` documents `text` (the content of `source`) names that the repository lacks."""
    return sorted(cited for cited in set(CITED.findall(text))
                  if not any(place.is_file() for place in
                             (ROOT / cited, source.parent / cited, ROOT / "docs" / cited)))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = broken_links(page.read_text(encoding="utf-8"), page=page)
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_cited_documents_ship() -> None:
    missing = [f"{source.relative_to(ROOT)} cites {name}" for source in CITING if source.is_file()
               for name in missing_documents(source.read_text(encoding="utf-8"), source=source)]
    assert not missing, "; ".join(missing)


def test_the_checks_see_a_broken_link_and_a_missing_document() -> None:
    page = ROOT / "docs" / "any.md"
    text = "[ok](design.md) [gone](nowhere.md) [anchor](design.md#no-such-section)\n"
    assert broken_links(text, page=page) == ["nowhere.md (no such file)",
                                             "design.md#no-such-section (no such anchor)"]
    source = ROOT / "release_gate" / "any.py"
    assert missing_documents('"""As ROADMAP.md says (docs/design.md §4)."""', source=source) == [
        "ROADMAP.md"]


SECTION = re.compile(r"\b((?:docs/)?[\w-]+\.md),? [\"“]([^\"”\n]{3,80})[\"”]")


def _headings(page: Path) -> set[str]:
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    return {re.sub(r"^\d+\.\s*", "", h.strip().strip("`")).strip().lower()
            for h in re.findall(r"^#+\s+(.*)$", text, re.MULTILINE)}


def test_cited_sections_exist() -> None:
    """`docs/install.md, "Why the gate is safe"` must name a heading of that page (action.yml
    cited one that never existed)."""
    missing = []
    for source in [*CITING, ROOT / "action.yml"]:
        if not source.is_file():
            continue
        text = " ".join(source.read_text(encoding="utf-8", errors="replace").split())
        text = re.sub(r"\s*#\s*", " ", text)
        for doc, section in SECTION.findall(text):
            page = ROOT / doc if (ROOT / doc).is_file() else ROOT / "docs" / doc
            if not page.is_file():
                continue
            wanted = re.sub(r"^\d+\.\s*", "", section.strip().strip("`")).lower()
            if not any(wanted == h or h.startswith(wanted) for h in _headings(page)):
                missing.append(f"{source.relative_to(ROOT)} cites {doc}, \"{section}\"")
    assert not missing, "; ".join(sorted(set(missing)))
