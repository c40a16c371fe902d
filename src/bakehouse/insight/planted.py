"""A labelled synthetic set for measuring the screener: community-style sentences with personal
data planted at known offsets, and clean sentences full of look-alikes (street names of services,
place names, weekdays, years, ages of a group, NHS 111, freephone helplines).

Names are planted only from a held-out part of the world's name lists (``split_names``); the
screener under measurement is built without that part, so a planted name is never found merely
because the screener's list holds it. Streets are the world's invented Basildon streets and
postcodes are real Basildon postcodes. A fifth of phone numbers come from Ofcom's drama ranges
(UK in shape, never allocated); the rest are random numbers that python-phonenumbers
accepts as allocated UK numbers, since a real person's number always is one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import phonenumbers

from bakehouse.geography import load_area
from bakehouse.insight.screening import Kind, NameLists
from bakehouse.world.names import street_names

HOLD_OUT_EVERY = 5


@dataclass(frozen=True)
class PlantedSpan:
    kind: Kind
    start: int
    end: int


@dataclass(frozen=True)
class PlantedItem:
    """One contribution and the personal data planted in it (none for a clean item)."""

    text: str
    spans: tuple[PlantedSpan, ...]


def split_names(names: NameLists, every: int = HOLD_OUT_EVERY) -> tuple[NameLists, NameLists]:
    """(the screener's lists, the names to plant): every ``every``-th name in alphabetical order
    is held out of the screener's lists and only those are planted."""

    def halves(values: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        ordered = sorted(values)
        held = frozenset(ordered[every - 1 :: every])
        return frozenset(values - held), held

    kept_fore, held_fore = halves(names.forenames)
    kept_sur, held_sur = halves(names.surnames)
    return NameLists(kept_fore, kept_sur), NameLists(held_fore, held_sur)


class _Values:
    """Random values of each kind, drawn from one seeded generator."""

    def __init__(self, rng: random.Random, names: NameLists) -> None:
        self.rng = rng
        self.forenames = sorted(names.forenames)
        self.surnames = sorted(names.surnames)
        self.streets = [
            str(s) for s in street_names(np.random.default_rng(rng.getrandbits(32)), 400)
        ]
        area = load_area("basildon")
        self.postcodes = [str(p) for p in area.postcodes.column("postcode").to_pylist()]

    def forename(self) -> str:
        return self.rng.choice(self.forenames)

    def name(self) -> str:
        roll = self.rng.random()
        if roll < 0.15:
            return self.forename()
        if roll < 0.3:
            title = self.rng.choice(["Mr", "Mrs", "Ms", "Miss", "Dr"])
            return f"{title} {self.rng.choice(self.surnames)}"
        return f"{self.forename()} {self.rng.choice(self.surnames)}"

    def street(self) -> str:
        return self.rng.choice(self.streets)

    def address(self) -> str:
        number = str(self.rng.randint(1, 240))
        if self.rng.random() < 0.1:
            number += self.rng.choice("ab")
        if self.rng.random() < 0.1:
            return f"Flat {self.rng.randint(1, 30)}, {number} {self.street()}"
        return f"{number} {self.street()}"

    def postcode(self) -> str:
        code = self.rng.choice(self.postcodes)
        return code.lower() if self.rng.random() < 0.1 else code

    def phone(self) -> str:
        kind = self.rng.random()
        if kind < 0.2:
            # Ofcom's ranges kept for drama: UK in shape, never allocated, so python-phonenumbers
            # calls them invalid; a mobile, a Sheffield-style and a London one.
            digits = self.rng.choice(["07700900", "01632960", "02079460"])
            digits += "".join(self.rng.choice("0123456789") for _ in range(11 - len(digits)))
            return self._laid_out(digits)
        while True:
            if kind < 0.65:
                digits = "07" + "".join(self.rng.choice("0123456789") for _ in range(9))
            else:
                digits = "01268" + "".join(self.rng.choice("2345678") for _ in range(6))
            if phonenumbers.is_valid_number(phonenumbers.parse(digits, "GB")):
                break
        return self._laid_out(digits)

    def _laid_out(self, digits: str) -> str:
        layout = self.rng.random()
        if layout < 0.4:
            return f"{digits[:5]} {digits[5:]}"
        if layout < 0.7:
            return digits
        if layout < 0.85:
            return f"+44 {digits[1:5]} {digits[5:]}"
        return f"({digits[:5]}) {digits[5:8]} {digits[8:]}"

    def email(self) -> str:
        local = (
            f"{self.forename()}.{self.rng.choice(self.surnames)}".lower()
            .replace("'", "")
            .replace(" ", "")
        )
        if self.rng.random() < 0.5:
            local += str(self.rng.randint(1, 99))
        domain = self.rng.choice(
            ["gmail.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.com", "btinternet.com"]
        )
        return f"{local}@{domain}"

    def date_of_birth(self) -> str:
        year = self.rng.choice([self.rng.randint(2015, 2024), self.rng.randint(1950, 2000)])
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        months = "January February March April May June July August September October November"
        name = (months + " December").split()[month - 1]
        return self.rng.choice(
            [
                f"{day:02d}/{month:02d}/{year}",
                f"{day}/{month}/{year}",
                f"{day} {name} {year}",
                f"{name} {day}, {year}",
                f"{year}-{month:02d}-{day:02d}",
            ]
        )

    def nhs_number(self) -> str:
        while True:
            digits = [self.rng.randint(0, 9) for _ in range(9)]
            check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
            if check != 10:
                break
        text = "".join(map(str, digits)) + str(check % 11)
        separator = self.rng.choice([" ", "", "-"])
        return separator.join([text[:3], text[3:6], text[6:]])

    def ni_number(self) -> str:
        first, second = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
        while True:
            prefix = self.rng.choice(first) + self.rng.choice(second)
            if prefix not in {"BG", "GB", "NK", "KN", "NT", "TN", "ZZ"}:
                break
        pairs = [f"{self.rng.randint(0, 99):02d}" for _ in range(3)]
        suffix = self.rng.choice("ABCD")
        if self.rng.random() < 0.5:
            return f"{prefix} {' '.join(pairs)} {suffix}"
        return f"{prefix}{''.join(pairs)}{suffix}"

    def school(self) -> str:
        stem = self.street().split()[0]
        return f"{stem} {self.rng.choice(['Primary School', 'Primary', 'Infants', 'Nursery'])}"

    def child_detail(self) -> str:
        child = self.rng.choice(["son", "daughter", "grandson", "granddaughter"])
        age = self.rng.randint(2, 10)
        if self.rng.random() < 0.5:
            return f"{child} {self.forename()}, aged {age}, at {self.school()}"
        return f"{child} {self.forename()} who is {age} years old"


# A template is text with {kind} holes; each hole is a planted span of that kind.
_PLANTED = (
    "My neighbour {name} at {address} {postcode} has no help since her carer left.",
    "Please ring me on {phone} about the food bank, it is {name}.",
    "Email me at {email} or call {phone} after six.",
    "{name} was born on {date_of_birth} and still has not seen a health visitor.",
    "My {child_detail} has waited a year for speech therapy.",
    "Her NHS number is {nhs_number} if the GP needs it.",
    "My national insurance number is {ni_number} and the council lost my form.",
    "{name} at {address} feeds the whole street on Sundays.",
    "We live at {address}, {postcode}, and the bus stopped coming.",
    "DOB {date_of_birth}, NHS no {nhs_number}.",
    "Text {name} on {phone} for the toddler group.",
    "Our {child_detail} cannot get a place anywhere.",
    "The flat at {address} has had damp for two years.",
    "You can reach {name} at {email} any evening.",
    "Our postcode is {postcode} and nobody visits.",
    "I spoke to {name} and {name} about the play scheme.",
    "Her birthday is {date_of_birth} and she will start school next year.",
)
_CLEAN = (
    "The playgroup on {street} closed in {year}.",
    "Call NHS 111 if the surgery is shut at the weekend.",
    "The {weekday} group at {place} Library helps parents with forms.",
    "Children aged 2 to 4 in {place} need more nursery places.",
    "Freephone {freephone} is the food bank's helpline.",
    "Over {count} families in the SS14 area use the family hub.",
    "On 12 March {year} we met at {place} Community Centre.",
    "The number 14 bus to {place} stops on {street}.",
    "{place} Primary School has a new breakfast club.",
    "There were {count} people at the meeting on {weekday}.",
    "Room 12 at the family hub is free on Fridays.",
    "The Citizens Advice drop-in on {street} is every {weekday}.",
    "St Martin's church hall hosts the toddler group in {month}.",
    "Health visitors in {place} saw {count} babies in {year}.",
    "The {street} surgery has a six week wait for appointments.",
    "We heard about the group on Facebook and from the Tesco noticeboard in {place}.",
)
_PLACES = ("Basildon", "Pitsea", "Laindon", "Vange", "Wickford", "Billericay", "Langdon Hills")


def planted_items(
    n: int, seed: int, names: NameLists, clean_share: float = 0.4
) -> list[PlantedItem]:
    """``n`` items, about ``clean_share`` of them clean, the rest with planted personal data."""
    rng = random.Random(seed)
    values = _Values(rng, names)
    planters: dict[str, Callable[[], str]] = {
        kind.value: getattr(values, kind.value) for kind in Kind
    }
    fillers: dict[str, Callable[[], str]] = {
        "street": values.street,
        "year": lambda: str(rng.randint(2015, 2026)),
        "weekday": lambda: rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        "place": lambda: rng.choice(_PLACES),
        "freephone": lambda: rng.choice(["0800 028 0800", "0808 800 5000", "0800 111 4567"]),
        "count": lambda: str(rng.randint(3, 400)),
        "month": lambda: rng.choice(["May", "June", "August"]),
    }
    items = []
    for _ in range(n):
        if rng.random() < clean_share:
            items.append(_fill(rng.choice(_CLEAN), fillers, planted=frozenset()))
        else:
            items.append(_fill(rng.choice(_PLANTED), planters, planted=frozenset(planters)))
    return items


def _fill(
    template: str, values: dict[str, Callable[[], str]], planted: frozenset[str]
) -> PlantedItem:
    """The template with each hole filled, and the offsets of the planted holes."""
    text, spans = "", []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        hole, _, rest = after.partition("}")
        text += before
        value = values[hole]()
        if hole in planted:
            spans.append(PlantedSpan(Kind(hole), len(text), len(text) + len(value)))
        text += value
    return PlantedItem(text + rest, tuple(spans))


def covered(span: PlantedSpan, found: Sequence[tuple[int, int]]) -> bool:
    """Whether every character of the planted span lies inside some finding."""
    return all(any(start <= i < end for start, end in found) for i in range(span.start, span.end))
