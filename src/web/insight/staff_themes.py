"""Analysts' pages for a round's themes: suggestions and the codebook, editing a theme, coding
the rest of the round, and coding one contribution by hand. Thin: the work is in
``codebooks``; the published counts come from ``results``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bakehouse.errors import ConfigError
from web.insight import codebooks
from web.insight.forms import ContributionThemeForm, ThemeDecisionForm, ThemeEditForm
from web.insight.models import Contribution, Round, Theme, ThemeState
from web.insight.results import round_theme_table
from web.insight.staff import _staff


def themes(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.select_related("release"), pk=round_id)
    codebook = codebooks.codebook_of(round_)
    form = ThemeDecisionForm(request.POST or None, codebook=codebook)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["themes"].order_by("position", "pk"))
        label = form.cleaned_data["label"]
        actor = _staff(request)
        try:
            if form.cleaned_data["action"] == "merge":
                kept = codebooks.merge(chosen, actor, label)
                messages.success(request, f"{len(chosen)} themes merged into '{kept.label}'.")
            elif form.cleaned_data["action"] == "accept":
                for theme in chosen:
                    codebooks.accept(theme, actor, label if len(chosen) == 1 else "")
                messages.success(request, f"{len(chosen)} accepted into the codebook.")
            else:
                for theme in chosen:
                    codebooks.reject(theme, actor)
                messages.success(request, f"{len(chosen)} rejected.")
        except codebooks.ThemeDecisionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect("insight:themes", round_id=round_.pk)
    suggested = [
        (theme, codebooks.quotes_of(theme))
        for theme in codebook.themes.filter(state=ThemeState.SUGGESTED)
    ]
    return render(
        request,
        "insight/staff/themes.html",
        {
            "round": round_,
            "codebook": codebook,
            "form": form,
            "suggested": suggested,
            "accepted": codebooks.accepted(codebook),
            "published": codebooks.published_count(round_),
            "table": round_theme_table(round_),
            "contributions": codebooks.coding_of(round_),
        },
    )


@require_POST
def suggest(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=round_id)
    try:
        made = codebooks.suggest(round_, _staff(request))
    except ConfigError as refusal:
        messages.error(
            request,
            f"No themes suggested: {refusal.what}. Wait for more published contributions, or "
            "write the codebook's themes yourself.",
        )
    else:
        messages.success(request, f"{len(made)} themes suggested from the published texts.")
    return redirect("insight:themes", round_id=round_.pk)


@require_POST
def code_the_rest(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=round_id)
    try:
        done = codebooks.code_the_rest(round_, _staff(request))
    except codebooks.ThemeDecisionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"The codebook's rule gave {done.coded} of {done.contributions} contributions a "
            f"theme; {done.left_alone} coded by hand were left as they are.",
        )
    return redirect("insight:themes", round_id=round_.pk)


def theme_edit(request: HttpRequest, theme_id: int) -> HttpResponse:
    theme = get_object_or_404(Theme.objects.select_related("codebook__round"), pk=theme_id)
    form = ThemeEditForm(
        request.POST or None,
        initial={
            "label": theme.label,
            "description": theme.description,
            "examples": "\n".join(theme.examples),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            codebooks.edit(
                theme, _staff(request), data["label"], data["description"], data["examples"]
            )
        except codebooks.ThemeDecisionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Theme '{theme.label}' saved.")
            return redirect("insight:themes", round_id=theme.codebook.round_id)
    return render(request, "insight/staff/theme_edit.html", {"theme": theme, "form": form})


def theme_new(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=round_id)
    form = ThemeEditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = codebooks.write(
                round_, _staff(request), data["label"], data["description"], data["examples"]
            )
        except codebooks.ThemeDecisionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Theme '{made.label}' is in the codebook.")
            return redirect("insight:themes", round_id=round_.pk)
    return render(request, "insight/staff/theme_new.html", {"round": round_, "form": form})


def contribution_themes(request: HttpRequest, contribution_id: int) -> HttpResponse:
    item = get_object_or_404(
        Contribution.objects.select_related("round_area__round"), pk=contribution_id
    )
    codebook = codebooks.codebook_of(item.round_area.round)
    form = ContributionThemeForm(request.POST or None, codebook=codebook)
    if request.method == "POST" and form.is_valid():
        theme = form.cleaned_data["theme"]
        actor = _staff(request)
        try:
            if form.cleaned_data["action"] == "add":
                codebooks.add_theme(item, theme, actor)
            else:
                codebooks.remove_theme(item, theme, actor)
        except codebooks.ThemeDecisionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect("insight:contribution_themes", contribution_id=item.pk)
    coded = item.coded_themes.filter(theme__state=ThemeState.ACCEPTED).select_related(
        "theme", "analyst"
    )
    return render(
        request,
        "insight/staff/contribution_themes.html",
        {"item": item, "coded": coded, "form": form, "text": codebooks.text_of(item)},
    )
