"""docs/guides/new-recipe.md quotes the shipped recipe, source and agreement files: each quote
must still be in the file it names, so the guide cannot drift from what it teaches."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guides" / "new-recipe.md"
# A YAML block whose paragraph ends "... from `path`:" quotes that file.
QUOTE = re.compile(r"[Ff]rom\s+`([^`]+)`:\n\n```yaml\n(.*?)```", re.DOTALL)


def test_every_snippet_the_guide_quotes_is_in_the_file_it_names() -> None:
    quotes = QUOTE.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(quotes) >= 14
    for path, snippet in quotes:
        assert snippet in (ROOT / path).read_text(encoding="utf-8"), (path, snippet)
