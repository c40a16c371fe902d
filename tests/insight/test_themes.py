"""Themes: suggestions recovered from planted templates, the codebook's file and operations,
coding the rest with accepted themes, and counts withheld at or below the threshold."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from bakehouse.errors import ConfigError
from bakehouse.insight.synthetic import TEMPLATES
from bakehouse.insight.themes import (
    Codebook,
    Theme,
    accept,
    code,
    counts_by_theme_and_area,
    load_codebook,
    merge,
    reject,
    save_codebook,
    suggest_themes,
)
from bakehouse.release.disclosure import DisclosureRules

# Themes recovered from the planted templates agree with them at least this well (adjusted Rand
# index; 0 is chance, 1 the same grouping). The bench measures about 0.6-0.76 on full rounds.
ARI_BOUND = 0.5
# Accepted themes code at least this share of unread texts with their planted theme (0.92-0.95
# measured over three seeds).
CODED_BOUND = 0.85


def planted_texts(n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` texts of one or two sentences from one theme's templates, and the themes."""
    rng = random.Random(seed)
    texts, themes = [], []
    for _ in range(n):
        theme = rng.choice(sorted(TEMPLATES))
        sentences = rng.sample(TEMPLATES[theme], k=rng.choice([1, 2]))
        extra = rng.choice(["", " My neighbour [name] says so too.", " Call me on [phone]."])
        texts.append(" ".join(sentences) + extra)
        themes.append(theme)
    return texts, themes


def grouping(suggestions: list, n: int) -> list[int]:  # type: ignore[type-arg]
    found = {member: number for number, s in enumerate(suggestions) for member in s.members}
    return [found[i] for i in range(n)]


def test_same_texts_and_seed_give_the_same_suggestions() -> None:
    texts, _ = planted_texts(150, seed=3)
    assert suggest_themes(texts, seed=7) == suggest_themes(texts, seed=7)


def test_planted_themes_are_recovered_with_quotes_from_their_members() -> None:
    texts, themes = planted_texts(240, seed=1)
    suggestions = suggest_themes(texts, seed=0)
    assert adjusted_rand_score(themes, grouping(suggestions, len(texts))) > ARI_BOUND
    assert sum(s.count for s in suggestions) == len(texts)
    for suggestion in suggestions:
        assert len(suggestion.quotes) == 3
        assert set(suggestion.quotes) <= {texts[m] for m in suggestion.members}
        assert suggestion.label == ", ".join(suggestion.terms[:3])


def test_mask_words_never_form_a_theme() -> None:
    texts, _ = planted_texts(120, seed=2)
    for suggestion in suggest_themes(texts, seed=0):
        assert not {"name", "phone", "neighbour name"} & set(suggestion.terms)


def test_a_chosen_k_gives_that_many_suggestions() -> None:
    texts, _ = planted_texts(100, seed=4)
    assert len(suggest_themes(texts, k=3, seed=0)) == 3


def test_too_few_texts_are_refused_with_what_to_do() -> None:
    with pytest.raises(ConfigError, match="at least 3 texts"):
        suggest_themes(["one", "two"])


def test_accepted_themes_code_the_texts_the_analyst_has_not_read() -> None:
    texts, themes = planted_texts(300, seed=5)
    read, unread = texts[:150], texts[150:]
    codebook = Codebook()
    dominant = {}
    for suggestion in suggest_themes(read, seed=0):
        codebook = accept(codebook, suggestion, suggestion.id)
        members = Counter(themes[m] for m in suggestion.members)
        dominant[suggestion.id] = members.most_common(1)[0][0]
    coded = code(unread, codebook)
    right = sum(themes[150 + i] in {dominant[t] for t in found} for i, found in enumerate(coded))
    assert right / len(unread) > CODED_BOUND


def test_a_text_with_a_theme_phrase_is_coded_with_that_theme() -> None:
    codebook = Codebook(
        themes=(
            Theme(id="closed", label="Services closed", examples=("children's centre",)),
            Theme(id="money", label="Cost of living", examples=("food bank",)),
        )
    )
    coded = code(
        ["The Children's Centre shut.", "We use the food bank.", "Lovely weather today."],
        codebook,
    )
    assert coded == [frozenset({"closed"}), frozenset({"money"}), frozenset()]


def test_codebook_round_trips_through_yaml(tmp_path: Path) -> None:
    codebook = Codebook(
        themes=(
            Theme(id="closed", label="Services closed", description="d", examples=("nursery",)),
            Theme(id="money", label="Cost of living"),
        )
    )
    save_codebook(codebook, tmp_path / "codebook.yaml")
    assert load_codebook(tmp_path / "codebook.yaml") == codebook


def test_codebook_with_a_repeated_id_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "themes:\n  - {id: money, label: Money}\n  - {id: money, label: Bills}\n", "utf-8"
    )
    with pytest.raises(ConfigError) as refused:
        load_codebook(path)
    assert refused.value.file == str(path)
    assert refused.value.field == "themes"
    assert "repeated: money" in refused.value.message


def test_codebook_theme_without_a_label_is_refused_naming_the_theme(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text("themes:\n  - {id: money}\n  - {id: Bad Id, label: x}\n", "utf-8")
    with pytest.raises(ConfigError) as refused:
        load_codebook(path)
    assert "themes.0.label" in refused.value.message
    assert "themes.1.id" in refused.value.message
    assert "2 problem(s)" in refused.value.message


def test_codebook_that_is_not_yaml_is_refused_with_the_parsers_reason(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text("themes: [\n", "utf-8")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_codebook(path)


def test_merge_pools_phrases_at_the_first_themes_place_and_reject_removes() -> None:
    codebook = Codebook(
        themes=(
            Theme(id="a", label="A", examples=("bus",)),
            Theme(id="b", label="B", examples=("fares", "bus")),
            Theme(id="c", label="C", examples=("damp",)),
        )
    )
    merged = merge(codebook, ["c", "a"], into="c", label="Getting about")
    assert [t.id for t in merged.themes] == ["c", "b"]
    assert merged.theme("c").examples == ("damp", "bus")
    assert merged.theme("c").label == "Getting about"
    assert [t.id for t in reject(merged, "b").themes] == ["c"]
    assert codebook.theme("a").label == "A"  # the operations leave the codebook given alone


def test_codebook_operations_refuse_unknown_and_repeated_ids() -> None:
    codebook = Codebook(themes=(Theme(id="a", label="A"), Theme(id="b", label="B")))
    with pytest.raises(ConfigError, match="no theme 'z'"):
        reject(codebook, "z")
    with pytest.raises(ConfigError, match="not among them"):
        merge(codebook, ["a", "b"], into="z")
    texts, _ = planted_texts(60, seed=6)
    with pytest.raises(ConfigError, match="repeated: a"):
        accept(codebook, suggest_themes(texts, k=2)[0], "a")


def test_counts_at_or_below_the_threshold_are_withheld_with_their_giveaways() -> None:
    rules = DisclosureRules(threshold=7, rounding=5)
    coded = (
        [("A", frozenset({"money"}))] * 12
        + [("A", frozenset())] * 9
        + [("B", frozenset({"money", "damp"}))] * 3
        + [("B", frozenset())] * 8
        + [("C", frozenset({"money"}))] * 14
        + [("C", frozenset({"damp"}))] * 9
    )
    counts = {(c.theme, c.area): c for c in counts_by_theme_and_area(coded, rules)}
    shown = {key: cell.count for key, cell in counts.items()}
    # B's 3 is withheld, and A's 12 with it: the total less C would give B's away.
    assert shown == {
        ("money", "all"): 30,  # 29, rounded
        ("money", "A"): None,
        ("money", "B"): None,
        ("money", "C"): 15,
        ("damp", "all"): 10,
        ("damp", "A"): 0,
        ("damp", "B"): None,
        ("damp", "C"): None,
    }
    assert {area: counts[("money", area)].contributions for area in ["all", "A", "B", "C"]} == {
        "all": 55,
        "A": 20,
        "B": 10,
        "C": 25,
    }
