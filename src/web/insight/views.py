"""Public pages of validation rounds: giving a view through a round's open link, the
participant's private link, the round's counts by theme, the moderation policy and the privacy
notice. Thin: the work is in
``contributions``. Staff pages are in ``staff``."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from web.accounts.client_ip import client_ip_address
from web.core.abuse import within_limit
from web.insight import contributions, private_link
from web.insight.forms import ContributionForm
from web.insight.models import Contribution, Round, RoundStatus
from web.insight.representation import heard, heard_by_area
from web.insight.results import round_theme_table

# Contributions one address may send in an hour: a family sharing a connection, not a robot.
PER_ADDRESS_PER_HOUR = 20
# Contributions one device may send to one round, over the round's life (a cookie).
PER_DEVICE_PER_ROUND = 15
DEVICE_COOKIE = "bakehouse_device"
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600
# Where the confirmation page finds the private link's token, once.
NEW_TOKEN = private_link.OnceInSession("insight_new_token")


def device_id(request: HttpRequest) -> tuple[str, bool]:
    """The device's random id from its cookie, and whether it is new. Surveys count with the
    same cookie."""
    known = request.COOKIES.get(DEVICE_COOKIE, "")
    if 20 <= len(known) <= 64:
        return known, False
    return secrets.token_urlsafe(24), True


def _may_send(request: HttpRequest, round_: Round, device: str) -> bool:
    address = client_ip_address(request) or "unknown"
    return within_limit("insight:address", address, PER_ADDRESS_PER_HOUR, 3600) and within_limit(
        f"insight:device:{round_.pk}", device, PER_DEVICE_PER_ROUND, DEVICE_COOKIE_SECONDS
    )


def _public_round(round_id: int) -> Round:
    """A round the public may open: not a draft, and about a release the public can see (a
    round on a draft or withdrawn release would name what the public must not see)."""
    round_ = get_object_or_404(Round.objects.select_related("release"), pk=round_id)
    if round_.status == RoundStatus.DRAFT or not round_.release.is_public:
        raise Http404("No such round")
    return round_


def give(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _public_round(round_id)
    if not round_.accepting:
        return render(request, "insight/closed.html", {"round": round_})
    round_areas = list(round_.areas.all())
    wanted = request.GET.get("area", "")
    form = ContributionForm(
        request.POST or None,
        round_=round_,
        round_areas=round_areas,
        initial={"area": wanted} if any(a.lsoa11cd == wanted for a in round_areas) else None,
    )
    device, new_device = device_id(request)
    if request.method == "POST" and form.is_valid():
        if not _may_send(request, round_, device):
            response = render(request, "insight/throttled.html", {"round": round_}, status=429)
        else:
            # A robot that filled the hidden box is told it worked, and nothing is kept.
            if not form.is_robot():
                _, token = contributions.receive(form.chosen_area(), form.given())
                NEW_TOKEN.keep(request, token)
            response = redirect("insight:given", round_id=round_.pk)
    else:
        response = render(request, "insight/give.html", {"form": form, "round": round_})
    if new_device:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_COOKIE_SECONDS,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


def given(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _public_round(round_id)
    token = NEW_TOKEN.take(request)
    links = private_links(token) if token else None
    return render(request, "insight/given.html", {"round": round_, "links": links})


def private_links(token: str) -> dict[str, str]:
    """The participant's links (``private_link``: the key in the query string only)."""
    return private_link.links("insight:contribution", "insight:delete_contribution", token)


def _own(request: HttpRequest) -> tuple[Contribution, str] | None:
    """The contribution the link's key opens; None when no key was given."""
    token = private_link.key_given(request)
    if not token:
        return None
    found = contributions.find_by_token(token)
    if found is None:
        raise Http404("No contribution has this link")
    return found, token


def contribution(request: HttpRequest) -> HttpResponse:
    """The participant's own contribution: what is kept (masked), its state, and changing it
    while the round is open."""
    opened = _own(request)
    if opened is None:
        return render(request, "insight/no_link.html")
    own, token = opened
    round_ = own.round_area.round
    form = None
    if round_.accepting:
        form = ContributionForm(
            request.POST or None,
            round_=round_,
            round_areas=None,
            ask_consent=False,
            home_area=own.home_lsoa11cd,
            initial={
                "verdict": own.verdict,
                "participant_role": own.participant_role,
                "reasons": own.reasons,
                "local_knowledge": own.local_knowledge,
                "latitude": own.latitude,
                "longitude": own.longitude,
                "age_band": own.age_band,
                "ethnic_group": own.ethnic_group,
                "children_under_five": own.children_under_five,
            },
        )
        form.fixed_area = own.round_area
        if request.method == "POST" and form.is_valid():
            contributions.change(own, form.given())
            return redirect(private_links(token)["view"])
    elif request.method == "POST":
        return HttpResponse(status=405)
    return render(
        request,
        "insight/contribution.html",
        {"own": own, "round": round_, "form": form, "links": private_links(token)},
    )


@require_http_methods(["GET", "POST"])
def delete_contribution(request: HttpRequest) -> HttpResponse:
    opened = _own(request)
    if opened is None:
        return render(request, "insight/no_link.html")
    own, token = opened
    if request.method == "POST":
        round_ = own.round_area.round
        contributions.delete(own)
        return render(request, "insight/deleted.html", {"round": round_})
    return render(request, "insight/delete.html", {"own": own, "links": private_links(token)})


def report(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's counts by theme and who it heard, across all its areas, as published."""
    round_ = _public_round(round_id)
    return render(
        request,
        "insight/report.html",
        {
            "round": round_,
            "table": round_theme_table(round_),
            "heard": heard(round_),
            "by_area": heard_by_area(round_),
        },
    )


def policy(request: HttpRequest) -> HttpResponse:
    return render(request, "insight/policy.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "insight/privacy.html")
