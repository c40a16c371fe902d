"""Analysts' work on a round's themes: suggestions from the published texts, accepting, merging,
rejecting and editing them, coding the rest of the round with the codebook, and coding one
contribution by hand. The rules are ``bakehouse.insight.themes``'; this module stores their
results, and logs every decision in the governance log (ids and counts, never text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bakehouse.insight import themes as rules
from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.insight.models import (
    Codebook,
    CodedBy,
    Contribution,
    ContributionState,
    ContributionTheme,
    Round,
    Theme,
    ThemeState,
)


class ThemeDecisionRefused(Exception):
    """A decision the codebook cannot take (the message says why and what to do)."""


def text_of(contribution: Contribution) -> str:
    """The words a contribution is themed by: its masked reasons and local knowledge."""
    return "\n".join(part for part in (contribution.reasons, contribution.local_knowledge) if part)


def published(round_: Round) -> list[Contribution]:
    """The round's published contributions: held and rejected ones are never read for themes."""
    return list(
        Contribution.objects.filter(
            round_area__round=round_, state=ContributionState.PUBLISHED
        ).order_by("pk")
    )


def published_count(round_: Round) -> int:
    return Contribution.objects.filter(
        round_area__round=round_, state=ContributionState.PUBLISHED
    ).count()


@dataclass(frozen=True)
class Coding:
    """One published contribution's accepted themes, for the analysts' list."""

    contribution: Contribution
    themes: tuple[str, ...]
    by_hand: bool


def coding_of(round_: Round) -> list[Coding]:
    labels: dict[int, list[str]] = {}
    for contribution_id, label in (
        ContributionTheme.objects.filter(
            contribution__round_area__round=round_, theme__state=ThemeState.ACCEPTED
        )
        .order_by("theme__position", "theme_id")
        .values_list("contribution_id", "theme__label")
    ):
        labels.setdefault(contribution_id, []).append(label)
    return [
        Coding(item, tuple(labels.get(item.pk, ())), item.themes_checked_at is not None)
        for item in Contribution.objects.filter(
            round_area__round=round_, state=ContributionState.PUBLISHED
        )
        .select_related("round_area")
        .order_by("round_area__lsoa11nm", "pk")
    ]


def codebook_of(round_: Round) -> Codebook:
    found, _ = Codebook.objects.get_or_create(round=round_)
    return found


def accepted(codebook: Codebook) -> list[Theme]:
    return list(codebook.themes.filter(state=ThemeState.ACCEPTED))


def accepted_in(round_: Round) -> list[Theme]:
    """The round's codebook, read without making one (public pages only read)."""
    return list(
        Theme.objects.filter(codebook__round=round_, state=ThemeState.ACCEPTED).order_by(
            "position", "pk"
        )
    )


def rule_codebook(themes: Sequence[Theme]) -> rules.Codebook:
    return rules.Codebook(themes=tuple(_as_rule(theme) for theme in themes))


def suggest(round_: Round, actor: User) -> list[Theme]:
    """New suggestions from the round's published texts, replacing the undecided ones. Raises
    ``ConfigError`` when the texts are too few or too alike to suggest from."""
    codebook = codebook_of(round_)
    items = [item for item in published(round_) if text_of(item)]
    texts = [text_of(item) for item in items]
    found = rules.suggest_themes(texts, seed=codebook.seed)
    with transaction.atomic():
        codebook.themes.filter(state=ThemeState.SUGGESTED).delete()
        start = (codebook.themes.aggregate(last=Max("position"))["last"] or 0) + 1
        made = []
        for number, suggestion in enumerate(found):
            members = [items[i] for i in suggestion.members]
            quotes = _quote_ids(suggestion, members)
            made.append(
                Theme.objects.create(
                    codebook=codebook,
                    label=suggestion.label,
                    terms=list(suggestion.terms),
                    suggested_count=suggestion.count,
                    quote_ids=quotes,
                    state=ThemeState.SUGGESTED,
                    position=start + number,
                )
            )
        codebook.suggested_at = timezone.now()
        codebook.suggested_from = len(texts)
        codebook.save(update_fields=["suggested_at", "suggested_from"])
        record_event(
            Action.INSIGHT_THEMES_SUGGESTED,
            actor=actor,
            subject=round_,
            detail={"texts": len(texts), "suggestions": len(made), "seed": codebook.seed},
        )
    return made


def _quote_ids(suggestion: rules.Suggestion, members: list[Contribution]) -> list[int]:
    # The rule returns its quotes as text; the same words from two people quote the first.
    ids: list[int] = []
    for quote in suggestion.quotes:
        for member in members:
            if member.pk not in ids and text_of(member) == quote:
                ids.append(member.pk)
                break
    return ids


def quotes_of(theme: Theme) -> list[str]:
    """The suggestion's quotes that are still published, most typical first."""
    found = {
        item.pk: text_of(item)
        for item in Contribution.objects.filter(
            pk__in=theme.quote_ids, state=ContributionState.PUBLISHED
        )
    }
    return [found[pk] for pk in theme.quote_ids if pk in found]


def _undecided(theme: Theme) -> None:
    if theme.state != ThemeState.SUGGESTED:
        raise ThemeDecisionRefused(
            f"'{theme.label}' is {theme.get_state_display().lower()}: only a suggestion can be "
            "accepted. Suggest themes again to see new ones."
        )


def _as_rule(theme: Theme, label: str = "") -> rules.Theme:
    """The theme as the coding rule knows it. A suggestion without phrases of the analyst's
    takes those accepting it gives (its heaviest terms); what the analyst edited is kept."""
    examples = tuple(theme.examples)
    if theme.state == ThemeState.SUGGESTED and not examples:
        suggestion = rules.Suggestion(
            id=theme.key, label=theme.label, terms=tuple(theme.terms), members=(), quotes=()
        )
        examples = rules.accept(rules.Codebook(), suggestion, theme.key).themes[0].examples
    return rules.Theme(
        id=theme.key,
        label=label or theme.label,
        description=theme.description,
        examples=examples,
    )


def accept(theme: Theme, actor: User, label: str = "") -> Theme:
    """The suggestion into the codebook; its heaviest terms become its example phrases unless
    an analyst has given some."""
    _undecided(theme)
    made = _as_rule(theme, label)
    with transaction.atomic():
        theme.label = made.label
        theme.examples = list(made.examples)
        theme.state = ThemeState.ACCEPTED
        theme.save(update_fields=["label", "examples", "state"])
        record_event(
            Action.INSIGHT_THEME_ACCEPTED,
            actor=actor,
            subject=theme,
            detail={"round": theme.codebook.round_id},
        )
    return theme


def reject(theme: Theme, actor: User) -> Theme:
    """Out of the codebook (a suggestion or an accepted theme). Contributions coded with it keep
    the coding, which no longer counts or shows."""
    if theme.state not in (ThemeState.SUGGESTED, ThemeState.ACCEPTED):
        raise ThemeDecisionRefused(f"'{theme.label}' is already out of the codebook.")
    with transaction.atomic():
        was = theme.state
        theme.state = ThemeState.REJECTED
        theme.save(update_fields=["state"])
        record_event(
            Action.INSIGHT_THEME_REJECTED,
            actor=actor,
            subject=theme,
            detail={"round": theme.codebook.round_id, "was": was},
        )
    return theme


def merge(themes: Sequence[Theme], actor: User, label: str = "") -> Theme:
    """Two or more themes (suggested or accepted) as one accepted theme, the first of them:
    descriptions joined, example phrases pooled; the others are marked merged into it, and
    contributions coded with them are coded with it."""
    if len(themes) < 2:
        raise ThemeDecisionRefused("Choose two or more themes to merge.")
    if len({theme.codebook_id for theme in themes}) != 1:
        raise ThemeDecisionRefused("Themes of different rounds cannot be merged.")
    if any(t.state not in (ThemeState.SUGGESTED, ThemeState.ACCEPTED) for t in themes):
        raise ThemeDecisionRefused("Only suggested or accepted themes can be merged.")
    as_rules = [_as_rule(theme) for theme in themes]
    keys = [theme.key for theme in themes]
    into = themes[0]
    merged = rules.merge(rules.Codebook(themes=tuple(as_rules)), keys, into.key, label or None)
    kept = merged.theme(into.key)
    with transaction.atomic():
        into.label = kept.label
        into.description = kept.description
        into.examples = list(kept.examples)
        into.state = ThemeState.ACCEPTED
        into.save(update_fields=["label", "description", "examples", "state"])
        for other in themes[1:]:
            for coded in other.coded.all():
                ContributionTheme.objects.get_or_create(
                    contribution_id=coded.contribution_id,
                    theme=into,
                    defaults={
                        "coded_by": coded.coded_by,
                        "coded_at": coded.coded_at,
                        "analyst": coded.analyst,
                    },
                )
            other.coded.all().delete()
            other.state = ThemeState.MERGED
            other.merged_into = into
            other.save(update_fields=["state", "merged_into"])
        record_event(
            Action.INSIGHT_THEMES_MERGED,
            actor=actor,
            subject=into,
            detail={"round": into.codebook.round_id, "merged": [t.pk for t in themes[1:]]},
        )
    return into


def edit(theme: Theme, actor: User, label: str, description: str, examples: Sequence[str]) -> Theme:
    """A theme's words as the analyst gives them; the rule checks them before they are kept."""
    if theme.state not in (ThemeState.SUGGESTED, ThemeState.ACCEPTED):
        raise ThemeDecisionRefused(f"'{theme.label}' is out of the codebook and cannot change.")
    try:
        checked = rules.Theme(
            id=theme.key, label=label, description=description, examples=tuple(examples)
        )
    except ValueError as error:
        raise ThemeDecisionRefused(f"The theme would be invalid: {error}") from None
    with transaction.atomic():
        changed = [
            field
            for field, value in (
                ("label", checked.label),
                ("description", checked.description),
                ("examples", list(checked.examples)),
            )
            if getattr(theme, field) != value
        ]
        theme.label = checked.label
        theme.description = checked.description
        theme.examples = list(checked.examples)
        theme.save(update_fields=["label", "description", "examples"])
        record_event(
            Action.INSIGHT_THEME_EDITED,
            actor=actor,
            subject=theme,
            detail={"round": theme.codebook.round_id, "changed": changed},
        )
    return theme


def write(
    round_: Round, actor: User, label: str, description: str, examples: Sequence[str]
) -> Theme:
    """A theme the analyst writes into the codebook, not suggested by the text."""
    try:
        # Its id is the row's, not known yet: any valid id lets the rule check the rest.
        rules.Theme(id="new", label=label, description=description, examples=tuple(examples))
    except ValueError as error:
        raise ThemeDecisionRefused(f"The theme would be invalid: {error}") from None
    codebook = codebook_of(round_)
    with transaction.atomic():
        last = codebook.themes.aggregate(last=Max("position"))["last"]
        theme = Theme.objects.create(
            codebook=codebook,
            label=label,
            description=description,
            examples=list(examples),
            state=ThemeState.ACCEPTED,
            position=0 if last is None else last + 1,
        )
        record_event(
            Action.INSIGHT_THEME_WRITTEN, actor=actor, subject=theme, detail={"round": round_.pk}
        )
    return theme


@dataclass(frozen=True)
class Coded:
    contributions: int
    coded: int
    left_alone: int


def code_the_rest(round_: Round, actor: User) -> Coded:
    """Every published contribution no analyst has coded by hand, coded again with the accepted
    codebook by its rule. All published texts shape the themes' centres."""
    codebook = codebook_of(round_)
    themes = accepted(codebook)
    if not themes:
        raise ThemeDecisionRefused("Accept at least one theme into the codebook first.")
    items = published(round_)
    found = rules.code([text_of(item) for item in items], rule_codebook(themes))
    by_key = {theme.key: theme for theme in themes}
    rest = [
        (item, keys) for item, keys in zip(items, found, strict=True) if not item.themes_checked_at
    ]
    now = timezone.now()
    with transaction.atomic():
        ContributionTheme.objects.filter(
            contribution__in=[item for item, _ in rest], coded_by=CodedBy.RULE
        ).delete()
        ContributionTheme.objects.bulk_create(
            [
                ContributionTheme(
                    contribution=item, theme=by_key[key], coded_by=CodedBy.RULE, coded_at=now
                )
                for item, keys in rest
                for key in sorted(keys)
            ],
            ignore_conflicts=True,
        )
        codebook.coded_at = now
        codebook.save(update_fields=["coded_at"])
        result = Coded(
            contributions=len(rest),
            coded=sum(1 for _, keys in rest if keys),
            left_alone=len(items) - len(rest),
        )
        record_event(
            Action.INSIGHT_THEMES_CODED,
            actor=actor,
            subject=round_,
            detail={
                "themes": len(themes),
                "contributions": result.contributions,
                "coded": result.coded,
                "left_alone": result.left_alone,
            },
        )
    return result


def _codeable(contribution: Contribution, theme: Theme) -> None:
    if contribution.state != ContributionState.PUBLISHED:
        raise ThemeDecisionRefused("Only a published contribution is coded.")
    if theme.state != ThemeState.ACCEPTED:
        raise ThemeDecisionRefused(f"'{theme.label}' is not in the codebook.")
    if theme.codebook.round_id != contribution.round_area.round_id:
        raise ThemeDecisionRefused(f"'{theme.label}' is another round's theme.")


def add_theme(contribution: Contribution, theme: Theme, actor: User) -> None:
    """The analyst codes the contribution with the theme; the rule leaves it alone after."""
    _codeable(contribution, theme)
    with transaction.atomic():
        ContributionTheme.objects.update_or_create(
            contribution=contribution,
            theme=theme,
            defaults={"coded_by": CodedBy.ANALYST, "coded_at": timezone.now(), "analyst": actor},
        )
        _checked(contribution)
        record_event(
            Action.INSIGHT_THEME_ADDED,
            actor=actor,
            subject=contribution,
            detail={"theme": theme.pk, "round": theme.codebook.round_id},
        )


def remove_theme(contribution: Contribution, theme: Theme, actor: User) -> None:
    """The analyst takes the theme off; the rule will not put it back."""
    _codeable(contribution, theme)
    with transaction.atomic():
        ContributionTheme.objects.filter(contribution=contribution, theme=theme).delete()
        _checked(contribution)
        record_event(
            Action.INSIGHT_THEME_REMOVED,
            actor=actor,
            subject=contribution,
            detail={"theme": theme.pk, "round": theme.codebook.round_id},
        )


def _checked(contribution: Contribution) -> None:
    contribution.themes_checked_at = timezone.now()
    contribution.save(update_fields=["themes_checked_at"])


def coded_for_counts(round_: Round) -> list[tuple[str, frozenset[str]]]:
    """Each published contribution's area and accepted themes (none for an uncoded one): what
    ``counts_by_theme_and_area`` publishes from."""
    themes = {theme.pk: theme.key for theme in accepted_in(round_)}
    found: dict[int, set[str]] = {}
    for contribution_id, theme_id in ContributionTheme.objects.filter(
        contribution__round_area__round=round_,
        contribution__state=ContributionState.PUBLISHED,
        theme_id__in=themes,
    ).values_list("contribution_id", "theme_id"):
        found.setdefault(contribution_id, set()).add(themes[theme_id])
    return [
        (area, frozenset(found.get(pk, ())))
        for pk, area in Contribution.objects.filter(
            round_area__round=round_, state=ContributionState.PUBLISHED
        ).values_list("pk", "round_area__lsoa11cd")
    ]
