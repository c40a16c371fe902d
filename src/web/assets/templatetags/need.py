"""``{% need_gaps release as gaps %}`` then ``{{ gaps|gap_of:code }}``: each area's gap between
need and provision, for pages of the areas app that list areas."""

from __future__ import annotations

from django import template

from web.assets.need_sections import gaps_by_area
from web.releases import figures
from web.releases.models import Release

register = template.Library()
NOT_SET = figures.Figure("not set against the register", published=False)


@register.simple_tag
def need_gaps(release: Release) -> dict[str, figures.Figure]:
    return gaps_by_area(release)


@register.filter
def gap_of(gaps: dict[str, figures.Figure], code: str) -> figures.Figure:
    return gaps.get(code, NOT_SET)
