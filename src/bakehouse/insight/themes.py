"""Themes in community contributions: a codebook analysts keep, suggestions from the text, coding
of every contribution with the codebook, and counts by theme and area fit to publish.

Every function here takes masked texts (``screen(text).masked``): nothing reads a contribution
before the screener has. The mask words (``[name]``, ``[postcode]``...) are dropped before
any vectorising, so a theme never forms around "name" or "phone".

Suggestions (:func:`suggest_themes`) are k-means clusters of TF-IDF vectors (English stop words,
words and word pairs). k is the one in 2..8 with the highest mean silhouette (cosine), the
smaller k on a tie; the same texts and seed give the same suggestions. A suggestion's label is
its three heaviest terms; its quotes are the three member texts closest to its centre.

Coding (:func:`code`): a text takes every theme one of whose example phrases it contains (whole
words, any case), and besides the one theme whose centre its TF-IDF vector is most similar to
(cosine), when that similarity is at least ``SIMILARITY_FLOOR``. A theme's centre is the sum of
its profile (label, description and examples) and of the texts its phrases found. So a theme
accepted from a suggestion, whose examples are its top terms, codes the texts the analyst has
not read, including those that share the phrase-found texts' other words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bakehouse.errors import ConfigError
from bakehouse.release.disclosure import CountTree, DisclosureRules, protect
from bakehouse.yamlfiles import read_yaml

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

K_RANGE = range(2, 9)
TOP_TERMS = 8
QUOTES = 3
SIMILARITY_FLOOR = 0.2
EVERYWHERE = "all"
_MASK = re.compile(r"\[[a-z_]+\]")
_FIX = "Correct the fields named above; a codebook lists themes, each with id and label"


class Theme(BaseModel):
    """One code of the codebook. ``id`` is stored with every coded contribution: never reuse one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    label: str = Field(min_length=1, max_length=120)
    description: str = ""
    examples: tuple[str, ...] = ()

    @field_validator("examples")
    @classmethod
    def _phrases_not_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not phrase.strip() for phrase in value):
            raise ValueError("an example phrase is blank")
        return value


class Codebook(BaseModel):
    """The themes analysts code contributions with, in the order they show them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    themes: tuple[Theme, ...] = ()

    @field_validator("themes")
    @classmethod
    def _ids_unique(cls, value: tuple[Theme, ...]) -> tuple[Theme, ...]:
        ids = [theme.id for theme in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"theme ids must be unique; repeated: {', '.join(repeated)}")
        return value

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise ConfigError(
            f"The codebook has no theme '{theme_id}'",
            field="themes",
            fix="Use the id of a theme in the codebook",
        )


def load_codebook(path: Path) -> Codebook:
    """The codebook in a YAML file; a ConfigError names the file and every field in error."""
    data = read_yaml(path, "codebook")
    if not isinstance(data, dict):
        raise ConfigError("Expected a mapping with 'themes' at the top level", file=path, fix=_FIX)
    try:
        return Codebook.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or '(top level)'}: {item['msg']}"
            for item in error.errors()
        ]
        raise ConfigError(
            f"{len(problems)} problem(s) in the codebook:\n  - " + "\n  - ".join(problems) + "\n",
            file=path,
            field=".".join(str(part) for part in error.errors()[0]["loc"]),
            fix=_FIX,
        ) from None


def save_codebook(codebook: Codebook, path: Path) -> None:
    data = codebook.model_dump(mode="json")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@dataclass(frozen=True)
class Suggestion:
    """A theme the text suggests: ``members`` index the texts given; ``quotes`` are the members
    closest to the centre, most typical first."""

    id: str
    label: str
    terms: tuple[str, ...]
    members: tuple[int, ...]
    quotes: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.members)


def _unmasked(text: str) -> str:
    return _MASK.sub(" ", text)


def _vectoriser(texts: Sequence[str]) -> TfidfVectorizer:
    # scikit-learn takes seconds to import: the codebook's operations and counts do without it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2 if len(texts) >= 20 else 1,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b",
    )


def suggest_themes(texts: Sequence[str], k: int | None = None, seed: int = 0) -> list[Suggestion]:
    """Suggested themes in masked ``texts``, the largest first (see the module's rule for k)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    if len(texts) < 3:
        raise ConfigError(
            f"Themes need at least 3 texts to suggest from; {len(texts)} given",
            field="texts",
            fix="Wait for more contributions, or code these by hand",
        )
    vectoriser = _vectoriser(texts)
    matrix = vectoriser.fit_transform([_unmasked(t) for t in texts])
    terms = vectoriser.get_feature_names_out()
    choices = [k] if k is not None else [c for c in K_RANGE if c < len(texts)]
    best: tuple[float, KMeans] | None = None
    for clusters in choices:
        model = KMeans(n_clusters=clusters, random_state=seed, n_init=10).fit(matrix)
        if len(set(model.labels_)) < 2:
            continue
        score = float(silhouette_score(matrix, model.labels_, metric="cosine"))
        if best is None or score > best[0] + 1e-9:
            best = (score, model)
    if best is None:
        raise ConfigError(
            "The texts are too alike to suggest more than one theme", field="texts", fix=_FIX
        )
    model = best[1]
    groups = sorted(
        (np.flatnonzero(model.labels_ == label) for label in range(model.n_clusters)),
        key=lambda members: (-len(members), int(members[0]) if len(members) else 0),
    )
    suggestions = []
    for number, members in enumerate(g for g in groups if len(g)):
        centre = np.asarray(matrix[members].mean(axis=0)).ravel()
        top = tuple(str(terms[i]) for i in np.argsort(-centre, kind="stable")[:TOP_TERMS])
        closeness = matrix[members] @ centre
        order = members[np.argsort(-closeness, kind="stable")]
        suggestions.append(
            Suggestion(
                id=f"suggested-{number + 1}",
                label=", ".join(top[:3]),
                terms=top,
                members=tuple(int(i) for i in members),
                quotes=tuple(texts[int(i)] for i in order[:QUOTES]),
            )
        )
    return suggestions


def accept(
    codebook: Codebook, suggestion: Suggestion, theme_id: str, label: str | None = None
) -> Codebook:
    """The codebook with the suggestion as a new theme: its top terms become example phrases."""
    theme = Theme(id=theme_id, label=label or suggestion.label, examples=suggestion.terms[:5])
    return _validated([*codebook.themes, theme])


def reject(codebook: Codebook, theme_id: str) -> Codebook:
    """The codebook without the theme (contributions coded with it keep the id in history)."""
    codebook.theme(theme_id)
    return _validated([t for t in codebook.themes if t.id != theme_id])


def merge(
    codebook: Codebook, theme_ids: Sequence[str], into: str, label: str | None = None
) -> Codebook:
    """The themes ``theme_ids`` as one theme ``into`` (one of them), at the first one's place:
    descriptions joined, example phrases pooled in order without repeats."""
    merged = [codebook.theme(i) for i in theme_ids]
    if into not in theme_ids:
        raise ConfigError(
            f"A merge keeps one of the merged themes' ids; '{into}' is not among them",
            field="into",
            fix="Name one of the themes being merged",
        )
    kept = codebook.theme(into)
    theme = Theme(
        id=into,
        label=label or kept.label,
        description=" ".join(t.description for t in merged if t.description),
        examples=tuple(dict.fromkeys(p for t in merged for p in t.examples)),
    )
    first = min(codebook.themes.index(t) for t in merged)
    rest = [t for t in codebook.themes if t.id not in theme_ids]
    rest.insert(first, theme)
    return _validated(rest)


def _validated(themes: Iterable[Theme]) -> Codebook:
    try:
        return Codebook(themes=tuple(themes))
    except ValidationError as error:
        raise ConfigError(
            f"The codebook would be invalid: {error.errors()[0]['msg']}",
            field="themes",
            fix="Choose a theme id the codebook does not hold",
        ) from None


def code(texts: Sequence[str], codebook: Codebook) -> list[frozenset[str]]:
    """The theme ids of each masked text, by the module's rule (phrases, then similarity)."""
    if not codebook.themes or not texts:
        return [frozenset() for _ in texts]
    cleaned = [_unmasked(t).lower() for t in texts]
    profiles = [" ".join([t.label, t.description, *t.examples]).lower() for t in codebook.themes]
    vectoriser = _vectoriser([])  # every word counts: a theme's phrases may occur once
    vectoriser.fit([*cleaned, *profiles])
    vectors = vectoriser.transform(cleaned).toarray()
    patterns = [
        [re.compile(rf"\b{re.escape(p.lower())}\b") for p in theme.examples]
        for theme in codebook.themes
    ]
    hits = np.array(
        [[any(p.search(text) for p in phrases) for phrases in patterns] for text in cleaned]
    )
    # A theme's centre is its profile with the texts its phrases found: the words those texts
    # use besides the phrases bring in the texts that use only those words.
    centres = vectoriser.transform(profiles).toarray() + hits.T.astype(float) @ vectors
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ centres.T
    coded = []
    for row in range(len(cleaned)):
        found = {t.id for t, hit in zip(codebook.themes, hits[row], strict=True) if hit}
        best = int(np.argmax(similarity[row]))
        if similarity[row, best] >= SIMILARITY_FLOOR:
            found.add(codebook.themes[best].id)
        coded.append(frozenset(found))
    return coded


@dataclass(frozen=True)
class ThemeCount:
    """Contributions from ``area`` (``all`` for the whole round) coded ``theme``, out of all
    contributions from there, as published: rounded, None where withheld."""

    theme: str
    area: str
    count: int | None
    contributions: int | None


def counts_by_theme_and_area(
    coded: Sequence[tuple[str, frozenset[str]]], rules: DisclosureRules
) -> list[ThemeCount]:
    """Counts of contributions by theme and area, under the release's disclosure rules.

    ``coded`` holds each contribution's area and themes. Each theme is a one-way table (areas
    under the whole round) protected by the release's suppressor with the contributions as its
    denominator: counts at or below the threshold are withheld, with the counts that would give
    them away, and the rest rounded. A contribution may carry several themes, so themes do not
    sum to the contributions and each theme's table is protected on its own; a denominator is
    published only where every theme's table publishes it. Nor are themes parts of an area's
    total: a contribution may carry none or several, and how many is never published, so no
    subtraction across themes pins a withheld count. Code one theme per contribution and publish
    the uncoded count, and they become parts, to be protected as one table."""
    root: tuple[str, ...] = (EVERYWHERE,)
    areas = sorted({area for area, _ in coded})
    parent: dict[tuple[str, ...], tuple[str, ...] | None] = {root: None}
    parent.update({(EVERYWHERE, area): root for area in areas})
    denominator = {node: 0 for node in parent}
    for area, _ in coded:
        denominator[(EVERYWHERE, area)] += 1
        denominator[root] += 1
    themes = sorted({theme for _, found in coded for theme in found})
    shown: dict[str, dict[tuple[str, ...], int | None]] = {}
    contributions: dict[tuple[str, ...], int | None] = {}
    for theme in themes:
        numerator = {node: 0 for node in parent}
        for area, found in coded:
            if theme in found:
                numerator[(EVERYWHERE, area)] += 1
                numerator[root] += 1
        protected = protect(CountTree(dict(parent), dict(denominator), numerator), rules)
        assert protected.numerator is not None
        shown[theme] = protected.numerator
        for node, value in protected.denominator.items():
            contributions[node] = (
                None if node in contributions and contributions[node] is None else value
            )
    return [
        ThemeCount(theme, node[-1], shown[theme][node], contributions[node])
        for theme in themes
        for node in [root, *((EVERYWHERE, area) for area in areas)]
    ]
