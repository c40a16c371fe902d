"""The links in the service navigation, each shown only to those who may open it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from web.accounts.access import may_open
from web.accounts.models import User


@dataclass(frozen=True)
class NavigationItem:
    label: str
    view_name: str
    # Other pages this item stands for, beyond its own and its section's first item.
    also: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url: str
    current: bool


SERVICE_NAVIGATION = (
    NavigationItem("Home", "core:home"),
    NavigationItem("Topics", "areas:recipes"),
    NavigationItem("Find your area", "areas:find", also=frozenset({"areas:area"})),
    NavigationItem("Local services", "assets:directory"),
    NavigationItem("How this works", "transparency:overview"),
    NavigationItem("Recipes", "recipes:book"),
    NavigationItem("Releases", "releases:history"),
    NavigationItem("Community views", "insight:rounds"),
    NavigationItem("Audit trail", "governance:audit_trail"),
    NavigationItem("Administration", "admin:index"),
)


def _section(view_name: str) -> str:
    """The part of a URL name that marks its section: its namespace."""
    return view_name.partition(":")[0]


def _current_item(current_view_name: str) -> NavigationItem | None:
    """The item for this page; else the first item of the section it is in (Home is a page,
    not a section)."""
    for item in SERVICE_NAVIGATION:
        if item.view_name == current_view_name or current_view_name in item.also:
            return item
    section = _section(current_view_name)
    for item in SERVICE_NAVIGATION:
        if item.view_name != "core:home" and _section(item.view_name) == section:
            return item
    return None


def navigation_for(user: User | AnonymousUser, current_view_name: str) -> list[NavigationLink]:
    current = _current_item(current_view_name)
    return [
        NavigationLink(item.label, reverse(item.view_name), item == current)
        for item in SERVICE_NAVIGATION
        if may_open(user, item.view_name)
    ]
