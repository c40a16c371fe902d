"""How this works: in general (what happens to the records, every recipe, the data sharing
agreements) and for each recipe the model card, the transparency record, the fairness audit,
and the linkage and data quality summaries of its current release."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from web.areas.views import recipe_release
from web.releases.models import DocumentName, Release
from web.transparency.agreements import agreement_summaries
from web.transparency.documents import release_documents, rendered
from web.transparency.fairness import fairness_audit

NO_RELEASE = "releases/no_release.html"


def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "transparency/overview.html",
        {"releases": Release.objects.current_releases()},
    )


def recipe_overview(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return render(request, NO_RELEASE, {"page_title": "How this works", "recipe": recipe})
    documents = [rendered(release, name) for name in DocumentName.values]
    return render(
        request,
        "transparency/recipe.html",
        {"release": release, "documents": {doc.name: doc for doc in documents if doc}},
    )


def _document_page(
    request: HttpRequest, recipe: str, name: DocumentName, intro: str
) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return render(request, NO_RELEASE, {"page_title": name.label, "recipe": recipe})
    return render(
        request,
        "transparency/document.html",
        {"release": release, "document": rendered(release, name), "intro": intro},
    )


def model_card(request: HttpRequest, recipe: str) -> HttpResponse:
    return _document_page(
        request,
        recipe,
        DocumentName.MODEL_CARD,
        "What the model predicts, how well it does it compared with simpler ways and with the "
        "best possible, and what it must not be used for.",
    )


def transparency_record(request: HttpRequest, recipe: str) -> HttpResponse:
    return _document_page(
        request,
        recipe,
        DocumentName.TRANSPARENCY_RECORD,
        "The partnership's record under the UK Algorithmic Transparency Recording Standard: "
        "who is responsible for the tool, how it is used in decisions, and its risks.",
    )


def _markdown(recipe: str, name: str) -> HttpResponse:
    release = recipe_release(recipe)
    document = release_documents(release).get(name) if release else None
    if release is None or document is None or not document.markdown.strip():
        raise Http404("This document has no text version in the current release.")
    response = HttpResponse(document.markdown, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}-{release.id}.md"'
    return response


def model_card_markdown(request: HttpRequest, recipe: str) -> HttpResponse:
    return _markdown(recipe, DocumentName.MODEL_CARD)


def transparency_record_markdown(request: HttpRequest, recipe: str) -> HttpResponse:
    return _markdown(recipe, DocumentName.TRANSPARENCY_RECORD)


def fairness(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return render(
            request, NO_RELEASE, {"page_title": DocumentName.FAIRNESS.label, "recipe": recipe}
        )
    document = release_documents(release).get(DocumentName.FAIRNESS)
    audit = fairness_audit(document) if document is not None else None
    return render(request, "transparency/fairness.html", {"release": release, "audit": audit})


def data_quality(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return render(
            request, NO_RELEASE, {"page_title": "Linkage and data quality", "recipe": recipe}
        )
    return render(
        request,
        "transparency/data_quality.html",
        {
            "release": release,
            "linkage": rendered(release, DocumentName.LINKAGE_SUMMARY, level=2),
            "quality": rendered(release, DocumentName.QUALITY_SUMMARY, level=2),
        },
    )


def agreements(request: HttpRequest) -> HttpResponse:
    summaries = agreement_summaries(timezone.localdate())
    return render(request, "transparency/agreements.html", {"agreements": summaries})
