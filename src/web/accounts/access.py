"""Who may open which page: the one table every request is checked against.

Each URL name maps to a rule. A rule is public or names the roles that may open the page; a URL
whose name is not here is refused to everyone (see ``middleware``). Anonymous visitors to a
page they may not open are sent to sign in; signed-in people get 403 Forbidden.

``get_status`` is what a permitted visitor receives from a plain GET: 200 for pages, something
else for addresses that act only on POST or only redirect. The test that walks every URL for
every role reads it from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from django.contrib.auth.models import AnonymousUser

from web.accounts.models import User
from web.accounts.roles import Role


@dataclass(frozen=True)
class Rule:
    """Who may open a page. ``roles`` None means anyone, signed in or not."""

    roles: frozenset[Role] | None
    get_status: HTTPStatus = HTTPStatus.OK

    @property
    def is_public(self) -> bool:
        return self.roles is None

    def allows_role(self, role: Role) -> bool:
        return self.roles is None or role in self.roles

    def allows(self, user: User | AnonymousUser) -> bool:
        if self.roles is None:
            return True
        if not isinstance(user, User) or not user.is_active:
            return False
        return self.allows_role(Role(user.role))


def public(get_status: HTTPStatus = HTTPStatus.OK) -> Rule:
    return Rule(roles=None, get_status=get_status)


def role_required(*roles: Role, get_status: HTTPStatus = HTTPStatus.OK) -> Rule:
    if not roles:
        raise ValueError("Name at least one role; use public() for pages anyone may open.")
    return Rule(roles=frozenset(roles), get_status=get_status)


def signed_in(get_status: HTTPStatus = HTTPStatus.OK) -> Rule:
    return role_required(*Role, get_status=get_status)


# Those who run validation rounds and moderate what people say in them.
INSIGHT_STAFF = (Role.PARTNER_ANALYST, Role.ADMINISTRATOR)
# Those who record interventions with communities and write and freeze their evaluation plans.
INTERVENTION_STAFF = (Role.PARTNER_ANALYST, Role.ADMINISTRATOR)

PAGES: Mapping[str, Rule] = {
    # Interventions, their timelines and their frozen evaluation plans are public: the
    # partnership is accountable for what it does and how it judges it. Staff record them.
    "interventions:list": public(),
    "interventions:detail": public(),
    "interventions:plan_yaml": public(),
    "interventions:create": role_required(*INTERVENTION_STAFF),
    "interventions:edit": role_required(*INTERVENTION_STAFF),
    "interventions:manage": role_required(*INTERVENTION_STAFF),
    "interventions:plan": role_required(*INTERVENTION_STAFF),
    "interventions:add_session": role_required(
        *INTERVENTION_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "interventions:add_update": role_required(
        *INTERVENTION_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "interventions:add_milestone": role_required(
        *INTERVENTION_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "interventions:milestone_done": role_required(
        *INTERVENTION_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "interventions:freeze": role_required(
        *INTERVENTION_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    # Staff run a plan as a background job and publish a run; a published run's plots are
    # public like its result (the view refuses an unpublished run's to everyone else).
    "interventions:evaluate": role_required(*INTERVENTION_STAFF),
    "interventions:run": role_required(*INTERVENTION_STAFF),
    "interventions:publish_run": role_required(
        *INTERVENTION_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "interventions:run_plot": public(),
    "interventions:released_plot": public(),
    "core:home": public(),
    "core:accessibility": public(),
    "accounts:login": public(),
    "accounts:logout": signed_in(get_status=HTTPStatus.METHOD_NOT_ALLOWED),
    # Published results are public: a resident opens every recipe's overview, map, area
    # profiles, list of areas that could use support and how it all works, and an area's page
    # across recipes, without an account.
    "areas:recipes": public(),
    "areas:recipe": public(),
    "areas:map": public(),
    "areas:map_data": public(),
    "areas:find": public(),
    "areas:area": public(),
    "areas:profile": public(),
    "areas:flagged": public(),
    # Addresses from before there were several recipes, redirecting to their recipe's page.
    "areas:moved_map": public(get_status=HTTPStatus.FOUND),
    "areas:moved_flagged": public(get_status=HTTPStatus.FOUND),
    "transparency:moved_model_card": public(get_status=HTTPStatus.FOUND),
    "transparency:moved_transparency_record": public(get_status=HTTPStatus.FOUND),
    "transparency:moved_fairness": public(get_status=HTTPStatus.FOUND),
    "transparency:moved_data_quality": public(get_status=HTTPStatus.FOUND),
    # The same figures as a file: anyone with an account, so that each export in the
    # governance log names who took it.
    "areas:flagged_csv": signed_in(),
    "transparency:overview": public(),
    "transparency:recipe": public(),
    "transparency:model_card": public(),
    "transparency:model_card_markdown": public(),
    "transparency:transparency_record": public(),
    "transparency:transparency_record_markdown": public(),
    "transparency:fairness": public(),
    "transparency:data_quality": public(),
    "transparency:agreements": public(),
    # Every recipe with its evidence, what it needs and its results, and its signed pack for
    # another partnership to verify and bake: public, as the releases are.
    "recipes:book": public(),
    "recipes:pack": public(),
    # A pack is served as soon as it is imported, with no draft step: the data protection role.
    "recipes:upload": role_required(Role.CUSTODIAN),
    "releases:history": public(),
    "releases:detail": public(),
    "releases:compare": public(),
    # Choosing which release every page shows (a rollback): those who run and publish them.
    "releases:make_current": role_required(
        Role.PARTNER_ANALYST, Role.ADMINISTRATOR, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    # Importing a release (it arrives as a draft): those who run the recipes and publish their
    # releases, and administrators.
    "releases:upload": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    # Imported drafts, publishing them and withdrawing a release: the data protection role.
    "releases:drafts": role_required(Role.CUSTODIAN),
    "releases:publish": role_required(Role.CUSTODIAN),
    "releases:withdraw": role_required(Role.CUSTODIAN),
    "governance:audit_trail": role_required(Role.CUSTODIAN),
    # The community asset register: those who keep it import feeds; anyone reads it, and
    # other directories read it through the Open Referral UK API, without a key.
    "assets:directory": public(),
    "assets:service": public(),
    "assets:map_boundaries": public(),
    # Need against the register: area-level figures, public as the area pages are; the file,
    # as the areas' list, to anyone with an account so that the governance log names who.
    "assets:need": public(),
    "assets:need_map_data": public(),
    "assets:need_csv": signed_in(),
    # Anyone reports a record is wrong, without an account; staff keep the register right.
    "assets:report": public(),
    "assets:report_sent": public(),
    "assets:upload": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    "assets:feed_import": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    "assets:staff": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    "assets:staff_report": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    "assets:edit_service": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    "assets:change": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    # A background job's progress and outcome: those who start imports; the view shows each job
    # only to the person who started it and to administrators (web.jobs.services.may_see).
    "jobs:detail": role_required(Role.PARTNER_ANALYST, Role.ADMINISTRATOR),
    # Validation rounds: anyone gives a view through a round's open link, without an
    # account, and sees, changes or deletes it through their private link; the policy and the
    # privacy notice are public. Staff who run rounds also moderate them.
    "insight:give": public(),
    "insight:given": public(),
    "insight:contribution": public(),
    "insight:delete_contribution": public(),
    "insight:policy": public(),
    "insight:privacy": public(),
    "insight:rounds": role_required(*INSIGHT_STAFF),
    "insight:round_create": role_required(*INSIGHT_STAFF),
    "insight:round": role_required(*INSIGHT_STAFF),
    "insight:round_add_area": role_required(
        *INSIGHT_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "insight:round_status": role_required(*INSIGHT_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED),
    "insight:response": role_required(*INSIGHT_STAFF),
    "insight:queue": role_required(*INSIGHT_STAFF),
    "insight:moderate": role_required(*INSIGHT_STAFF),
    "insight:decisions": role_required(*INSIGHT_STAFF),
    "insight:decisions_csv": role_required(*INSIGHT_STAFF),
    "insight:review": role_required(*INSIGHT_STAFF),
    "insight:themes": role_required(*INSIGHT_STAFF),
    "insight:themes_suggest": role_required(
        *INSIGHT_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "insight:themes_code": role_required(*INSIGHT_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED),
    "insight:theme_new": role_required(*INSIGHT_STAFF),
    "insight:theme_edit": role_required(*INSIGHT_STAFF),
    "insight:contribution_themes": role_required(*INSIGHT_STAFF),
    "insight:report": public(),
    "fieldwork:answer": public(),
    "fieldwork:answered": public(),
    # A respondent's private link, as a round's: the key in the query string is the access.
    "fieldwork:response": public(),
    "fieldwork:delete_response": public(),
    "fieldwork:survey_report": public(),
    "fieldwork:records": role_required(*INSIGHT_STAFF),
    "fieldwork:record_create": role_required(*INSIGHT_STAFF),
    "fieldwork:record": role_required(*INSIGHT_STAFF),
    "fieldwork:record_edit": role_required(*INSIGHT_STAFF),
    "fieldwork:surveys": role_required(*INSIGHT_STAFF),
    "fieldwork:survey_create": role_required(*INSIGHT_STAFF),
    "fieldwork:survey": role_required(*INSIGHT_STAFF),
    "fieldwork:survey_status": role_required(
        *INSIGHT_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "fieldwork:results": role_required(*INSIGHT_STAFF),
    "fieldwork:question_remove": role_required(
        *INSIGHT_STAFF, get_status=HTTPStatus.METHOD_NOT_ALLOWED
    ),
    "fieldwork:moderate_answer": role_required(*INSIGHT_STAFF),
    "fieldwork:moderate_record": role_required(*INSIGHT_STAFF),
    "oruk:index": public(),
    "oruk:openapi": public(),
    "oruk:services": public(),
    "oruk:service": public(),
    "oruk:service_at_locations": public(),
    "oruk:service_at_location": public(),
    "oruk:taxonomies": public(),
    "oruk:taxonomy": public(),
    "oruk:taxonomy_terms": public(),
    "oruk:taxonomy_term": public(),
    # Django's admin site, beyond the namespace rule below: addresses that are not pages.
    "admin:login": role_required(Role.ADMINISTRATOR, get_status=HTTPStatus.FOUND),
    "admin:logout": role_required(Role.ADMINISTRATOR, get_status=HTTPStatus.METHOD_NOT_ALLOWED),
    "admin:autocomplete": role_required(Role.ADMINISTRATOR, get_status=HTTPStatus.FORBIDDEN),
    "admin:view_on_site": role_required(Role.ADMINISTRATOR, get_status=HTTPStatus.NOT_FOUND),
}

# Every other URL in these namespaces.
NAMESPACES: Mapping[str, Rule] = {
    "admin": role_required(Role.ADMINISTRATOR),
}


def rule_for(view_name: str) -> Rule | None:
    """The rule for a URL name such as ``core:home``; None when nobody may open it."""
    if view_name in PAGES:
        return PAGES[view_name]
    namespace, _, _ = view_name.rpartition(":")
    return NAMESPACES.get(namespace)


def may_open(user: User | AnonymousUser, view_name: str) -> bool:
    rule = rule_for(view_name)
    return rule is not None and rule.allows(user)
