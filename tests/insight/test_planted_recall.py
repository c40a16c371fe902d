"""On a planted set whose names the screener's lists do not hold, recall meets the targets."""

from __future__ import annotations

from bakehouse.insight.measure import TARGETS, measure
from bakehouse.insight.planted import covered, planted_items, split_names
from bakehouse.insight.screening import Kind, Screener, default_names


def test_planted_names_are_never_in_the_measured_screeners_lists() -> None:
    kept, planted = split_names(default_names())
    assert planted.forenames and planted.surnames
    assert not kept.forenames & planted.forenames
    assert not kept.surnames & planted.surnames


def test_the_planted_offsets_hold_the_planted_values() -> None:
    _, planted = split_names(default_names())
    items = planted_items(200, seed=3, names=planted)
    assert {span.kind for item in items for span in item.spans} == set(Kind)
    assert any(not item.spans for item in items)
    for item in items:
        for span in item.spans:
            value = item.text[span.start : span.end]
            assert value == value.strip() and value
            if span.kind is Kind.NAME:
                assert value.split()[-1] in planted.forenames | planted.surnames


def test_the_same_seed_plants_the_same_set() -> None:
    _, planted = split_names(default_names())
    assert planted_items(50, seed=7, names=planted) == planted_items(50, seed=7, names=planted)


def test_recall_meets_the_targets_on_300_planted_items(measured_screener: Screener) -> None:
    _, planted = split_names(default_names())
    scores = measure(measured_screener, planted_items(300, seed=11, names=planted))
    for kind, target in TARGETS.items():
        assert scores[kind].planted > 0, kind
        assert scores[kind].recall >= target, (kind, scores[kind])
    assert all(scores[kind].precision >= 0.98 for kind in TARGETS if kind is not Kind.NAME)


def test_an_unmasked_character_is_a_miss() -> None:
    _, planted = split_names(default_names())
    item = next(i for i in planted_items(20, seed=1, names=planted) if i.spans)
    span = item.spans[0]
    assert covered(span, [(span.start, span.end)])
    assert not covered(span, [(span.start, span.end - 1)])
