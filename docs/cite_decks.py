"""Rewrite the references to the lecture decks (``seeds/001…``) as citations: ``[Hosny et al.]``.

The decks are not shipped with deltanet; ``docs/references.md`` and
``deltanet.examples.references.DECKS`` cite them in full under short labels. This script turns
every ``seeds/NNN`` reference of the repository's text into its label, in one way everywhere:

- ``seeds/001…``, `` `seeds/001` ``, ``seeds/001_ef4a….txt`` → ``[Hosny et al.]``; a list
  ``seeds/000, 001, 003`` → ``[de Back 2018; Hosny et al.; Suk 2015]``;
- a parenthesis (or a ", Author") that repeats the author is dropped: ``seeds/003 (Suk; Bishop
  Fig. 5.3)`` → ``[Suk 2015] (Bishop Fig. 5.3)``;
- in a Python string that holds only the reference (the examples' registry) or inside brackets
  already, the label goes without brackets: ``"seeds/002 (Ibragimov)"`` → ``"Ibragimov"``;
- in the documentation's Markdown pages each label links to its row of ``references.md``.

It is idempotent (a second run changes nothing). Run it from the repository root:
``python docs/cite_decks.py`` (``--check`` lists what it would change and exits 1 if anything).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

LABELS = {"000": "de Back 2018", "001": "Hosny et al.", "002": "Ibragimov", "003": "Suk 2015", "004": "Desrosiers 2024"}
SURNAMES = {"000": "de Back", "001": "Hosny", "002": "Ibragimov", "003": "Suk", "004": "Desrosiers"}
ANCHORS = {
    "000": "de-back-2018",
    "001": "hosny-et-al",
    "002": "ibragimov",
    "003": "suk-2015",
    "004": "desrosiers-2024",
}
REFERENCE = re.compile(
    r"(?P<open>``|`)?seeds/(?P<first>00[0-4])(?:_[0-9a-f]+(?:\.txt)?|…)?"
    r"(?P<more>(?:(?:,\s*|\s+and\s+)00[0-4]…?)*)"
    r"(?P<close>``|`)?"
    r"(?P<paren> \([^()]{1,160}\))?"
    r"(?P<comma>, (?:de Back|Hosny(?: et al\.)?|Ibragimov|Suk|Desrosiers)(?=[):;,.\s]))?"
)
#: exact texts that the rule above cannot rewrite well
LITERALS = {
    'entry.deck.startswith("seeds/0")': (
        'entry.deck.startswith(("de Back", "Hosny", "Ibragimov", "Suk", "Desrosiers"))'
    ),
    "(in the project's `seeds/` folder)": "(see [the references](../references.md))",
}
FOLDERS = ("src", "docs", "tests", "notebooks", "examples", "benchmarks")
FILES = ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")
SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".txt", ".cfg", ".rst"}


def _paren(paren: str | None, first: str) -> str:
    """The parenthesis after a reference, without the author the label already names."""
    if not paren:
        return ""
    inner = paren[2:-1]
    surname = SURNAMES[first]
    if not inner.startswith(surname):
        return paren
    rest = re.sub(r"^\s*(et al\.)?\s*[;,]?\s*", "", inner[len(surname) :])
    return f" ({rest})" if rest else ""


def rewrite(text: str, markdown_page: Path | None = None) -> str:
    """``text`` with every deck reference as its citation (see the module docstring).

    Args:
        text: a file's text.
        markdown_page: the page's path relative to docs/, for links to references.md; None
            for any other file (plain labels).
    """
    for old, new in LITERALS.items():
        text = text.replace(old, new)

    def one(match: re.Match[str]) -> str:
        numbers = [match["first"], *re.findall(r"00[0-4]", match["more"] or "")]
        labels = [LABELS[n] for n in numbers]
        open_, close = match["open"], match["close"]
        quotes_kept = bool(open_ or close) and open_ != close
        before = text[match.start() - 1] if match.start() else ""
        after_end = match.end()
        after = text[after_end] if after_end < len(text) else ""
        paren = _paren(match["paren"], numbers[0])
        if match["comma"] and not match["comma"][2:].startswith(SURNAMES[numbers[0]]):
            paren += match["comma"]  # another author's name: keep it
        if (before and before == after and before in "\"'") or (before == "[" and after == "]"):
            cited = "; ".join(labels)
        elif markdown_page is not None:
            up = "../" * (len(markdown_page.parts) - 1)
            cited = ", ".join(f"[{label}]({up}references.md#{ANCHORS[n]})" for n, label in zip(numbers, labels))
        else:
            cited = "[" + "; ".join(labels) + "]"
        if quotes_kept:
            cited = f"{open_ or ''}{cited}{close or ''}"
        return cited + paren

    return REFERENCE.sub(one, text)


def files(root: Path) -> list[Path]:
    """The repository's text files that may cite the decks."""
    found = [root / name for name in FILES if (root / name).is_file()]
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            found += [Path(dirpath) / f for f in filenames if Path(f).suffix in SUFFIXES]
    return sorted(p for p in found if p.name != "cite_decks.py")


def main(argv: list[str]) -> int:
    """Rewrite the files in place (or, with ``--check``, list those that would change)."""
    root = Path.cwd()
    check = "--check" in argv
    changed = []
    for path in files(root):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(root)
        page = relative.relative_to("docs") if relative.parts[0] == "docs" and path.suffix == ".md" else None
        new = rewrite(text, page)
        if new != text:
            changed.append(relative)
            if not check:
                path.write_text(new, encoding="utf-8")
    for path in changed:
        print(path)
    left = [p.relative_to(root) for p in files(root) if "seeds/0" in p.read_text(encoding="utf-8")]
    if left and not check:
        print("still citing seeds/ (rewrite by hand):", *left, sep="\n  ", file=sys.stderr)
    return 1 if (check and changed) or (left and not check) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
