"""Screen free text for personal data before anyone sees it.

``screen(text)`` finds names, street addresses, postcodes, phone numbers, emails, dates of birth,
NHS numbers, national insurance numbers and a child's details given together, and masks each as
``[kind]``. Anything found holds the text for a moderator, who reads each finding's reason.

Presidio's analyzer runs every recogniser. Its own recognisers find emails, UK phone numbers
(python-phonenumbers, region GB), NHS numbers (with the modulus 11 check digit), national
insurance numbers and full postcodes; the recognisers here add addresses, dates of birth, names
and child details. None needs a language model: presidio's no-op NLP engine is enough, because
each recogniser here reads its own context words from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import phonenumbers
import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UkPostcodeRecognizer,
)

from bakehouse.world.names import FORENAMES, SURNAMES


class Kind(StrEnum):
    """What a finding is; the value is the mask word."""

    NAME = "name"
    ADDRESS = "address"
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"
    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    CHILD_DETAIL = "child_detail"


@dataclass(frozen=True)
class Finding:
    """One span of personal data: ``text[start:end]`` of the original text (str indices)."""

    kind: Kind
    start: int
    end: int
    score: float
    reason: str


@dataclass(frozen=True)
class Screened:
    """The masked text and what was found; ``held`` when anything was."""

    masked: str
    findings: tuple[Finding, ...]

    @property
    def held(self) -> bool:
        return bool(self.findings)


@dataclass(frozen=True)
class NameLists:
    """The forenames and surnames the name recogniser looks up."""

    forenames: frozenset[str]
    surnames: frozenset[str]


# When two findings overlap, the longer wins; at equal length, the more specific (earlier) kind.
_SPECIFICITY = (
    Kind.CHILD_DETAIL,
    Kind.NHS_NUMBER,
    Kind.NI_NUMBER,
    Kind.EMAIL,
    Kind.PHONE,
    Kind.DATE_OF_BIRTH,
    Kind.POSTCODE,
    Kind.ADDRESS,
    Kind.NAME,
)

_PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": (Kind.EMAIL, "an email address"),
    "PHONE_NUMBER": (Kind.PHONE, "a valid UK phone number"),
    "UK_NHS": (Kind.NHS_NUMBER, "a ten-digit number whose check digit is valid for an NHS number"),
    "UK_NINO": (Kind.NI_NUMBER, "the pattern of a national insurance number"),
    "UK_POSTCODE": (Kind.POSTCODE, "a full UK postcode (one street or part of one)"),
}

# --- word lists ---------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words in the Latin scripts names in England and Wales are written in.
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿā-ž"
_CAP = rf"(?:O'|Mc|Mac)?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_STREET_WORDS = (
    "Road|Rd|Close|Avenue|Ave|Way|Gardens|Gdns|Drive|Dr|Crescent|Lane|Street|St|Court|Chase|"
    "Walk|Place|Grove|Rise|Mews|Green|View|Park|Hill|Terrace|Row|Square|Parade|Vale|End|Gate"
)
# A capitalised run ending in an institution word names a service, never a person.
_INSTITUTIONS = _words(
    "School Primary Infants Infant Junior Juniors Academy Nursery Centre Center Library Surgery "
    "Hospital Clinic Club Group Trust Council Playgroup Hub Station Estate Community Partnership "
    "Foundation Project Advice Aid Start Service Services Team Network Association Society "
    "Alliance Support"
)
# These end place names and surnames alike (Lane, Hall, West): a place after a preposition.
_PLACE_ENDINGS = _words(
    _STREET_WORDS.replace("|", " ")
    + " Hall Church Chapel Bank House North South East West Hills Bridge Wood Fields"
)
_PREPOSITIONS = _words(
    "on in at off along near to from of the by behind opposite round past into outside around"
)
# Capitalised words that are never a person's name here, though some are in the name lists.
_NOT_NAMES = _words(
    "I The A An My Our Your His Her Their We They He She It This That These Those There Here "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May "
    "June July August September October November December Christmas Easter Basildon Pitsea "
    "Laindon Vange Wickford Billericay Essex England Britain London Southend Langdon Nevendon "
    "Fryerns Kingswood NHS GP Council Mum Dad Nan "
    "Grandad Mr Mrs Ms Miss Dr Mx Please Thanks Thank Since After Before When Sometimes Most "
    "Some Many Every All No Yes Also But And Or If So Not Just Only Text Call Ring Email Ask "
    "Contact Tell Speak Phone Write Message Mondays Tuesdays Wednesdays Thursdays Fridays "
    "Saturdays Sundays Barstable Felmores Noak Bowers Gifford Ramsden Crays Dunton"
)
_SAINTS = frozenset({"St", "Saint"})
_TITLE = r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"
_RELATION = (
    r"\b(?:[Mm]y|[Oo]ur|[Hh]er|[Hh]is|[Tt]heir)\s+(?:next[- ]door\s+)?(?:neighbour|neighbor|"
    r"friend|son|daughter|partner|husband|wife|mum|mother|dad|father|nan|nanna|grandson|"
    r"granddaughter|grandma|grandad|granddad|sister|brother|boyfriend|girlfriend|carer|niece|"
    r"nephew|aunt|auntie|uncle|cousin|child|boy|girl|baby|stepson|stepdaughter|ex|landlord|"
    r"landlady|lodger|mate)"
)
_CALLED = r"\b(?:called|named|name is|I am|I'm|this is|signed)"

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
_BIRTH_CONTEXT = re.compile(
    r"\b(?:born|birthday|birth\s*date|date\s+of\s+birth|d\.?o\.?b\.?|dob)\b", re.IGNORECASE
)
_BIRTH_WINDOW = 40

_ADDRESS = re.compile(
    r"\b(?:(?:Flat|Apartment|Unit)\s+\d{1,4}[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?,?\s+"
    rf"(?:{_CAP}\s+){{1,3}}(?:{_STREET_WORDS})\b\.?"
)

_CHILD = re.compile(
    r"\b(?:son|daughter|child|kid|boy|girl|grandson|granddaughter|baby|toddler|stepson|"
    r"stepdaughter|little one)\b",
    re.IGNORECASE,
)
_CHILD_NAME = re.compile(rf"\A,?\s+({_CAP})\b")
_AGE = re.compile(
    r"\b(?:aged|age)\s+\d{1,2}\b"
    r"|\b\d{1,2}[- ](?:years?|yrs?|months?)[- ]old\b"
    r"|\b\d{1,2}\s?(?:yo|y/o)\b",
    re.IGNORECASE,
)
_SCHOOL = re.compile(
    rf"\b(?:at|attends|goes to|in)\s+(?:{_CAP}\s+){{1,3}}"
    r"(?i:primary|infants?|juniors?|school|academy|nursery|pre-?school)(?:\s+(?i:school))?\b"
)
_SENTENCE_END = re.compile(r"[.!?\n]")
# How far back a name's run looks for the preposition or sentence end before it.
_LOOK_BACK = 40
_CHILD_WINDOW = 120


# --- recognisers ------------------------------------------------------------------------------


class _Recogniser(EntityRecognizer):
    """A recogniser that reads the raw text; results carry the moderator's reason."""

    ENTITY = ""

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__)

    def load(self) -> None:
        """Nothing to load: the patterns are compiled at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult(self.ENTITY, start, end, score, recognition_metadata={"reason": why})
            for start, end, score, why in self.spans(text)
        ]

    def spans(self, text: str) -> Iterator[tuple[int, int, float, str]]:
        raise NotImplementedError


# Presidio's email recogniser checks the domain with tldextract, which would fetch the public
# suffix list over the network on first use; the snapshot shipped inside tldextract is enough.
_DOMAINS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


# 0 or +44 then ten digits (nine after +44), in groups split by spaces, dots or hyphens, with
# the area code optionally in brackets; not inside a longer run of digits.
_PHONE_SHAPE = re.compile(r"(?<![\d+])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s.\-)]{0,2}){9}\d(?![\d])")
_FREEPHONE = re.compile(r"\(?0\s?80[08]")


class _EmailRecogniser(EmailRecognizer):
    def validate_result(self, pattern_text: str) -> bool:
        return bool(_DOMAINS(pattern_text).fqdn)


class _AddressRecogniser(_Recogniser):
    ENTITY = "ADDRESS"

    def spans(self, text: str) -> Iterator[tuple[int, int, float, str]]:
        for match in _ADDRESS.finditer(text):
            end = match.end() - 1 if match.group().endswith(".") else match.end()
            yield match.start(), end, 0.8, "a house number followed by a street name"


class _PhoneShapeRecogniser(_Recogniser):
    """Digits laid out as a UK number, valid or not: python-phonenumbers passes only numbers in
    allocated ranges, and a number a moderator should not publish need not be allocated (Ofcom's
    ranges for drama, a mistyped digit)."""

    ENTITY = "PHONE_SHAPE"

    def spans(self, text: str) -> Iterator[tuple[int, int, float, str]]:
        for match in _PHONE_SHAPE.finditer(text):
            if not _FREEPHONE.match(match.group()):
                yield match.start(), match.end(), 0.6, "digits laid out like a UK phone number"


class _BirthDateRecogniser(_Recogniser):
    ENTITY = "DATE_OF_BIRTH"

    def spans(self, text: str) -> Iterator[tuple[int, int, float, str]]:
        for match in _DATE.finditer(text):
            before = text[max(0, match.start() - _BIRTH_WINDOW) : match.start()]
            if _BIRTH_CONTEXT.search(before):
                yield match.start(), match.end(), 0.9, "a date after words such as 'born' or 'DOB'"


class _NameRecogniser(_Recogniser):
    ENTITY = "PERSON"

    def __init__(self, names: NameLists) -> None:
        super().__init__()
        self.names = names
        self._after_title = re.compile(rf"{_TITLE}\s+({_CAP}(?:\s+{_CAP})?)")
        self._after_cue = re.compile(rf"(?:{_RELATION}|{_CALLED}),?\s+({_CAP}(?:\s+{_CAP})?)")
        self._capitalised_run = re.compile(rf"{_CAP}(?:[ ]{_CAP})*")
        self._word = re.compile(_CAP)

    def spans(self, text: str) -> Iterator[tuple[int, int, float, str]]:
        for match in self._after_title.finditer(text):
            yield match.start(), match.end(), 0.9, "a title (Mr, Mrs, Dr...) and a name"
        for match in self._after_cue.finditer(text):
            words = self._person_words(match.group(1).split(" "))
            if words:
                start = match.start(1) + match.group(1).index(words[0])
                yield (
                    start,
                    start + len(" ".join(words)),
                    0.8,
                    "a name after words such as 'my neighbour' or 'called'",
                )
        for run in self._capitalised_run.finditer(text):
            yield from self._run_names(text, run)

    @staticmethod
    def _person_words(words: list[str]) -> list[str]:
        """The cued words up to the first that is not a person's (a place, a weekday)."""
        kept: list[str] = []
        for word in words:
            if word in _NOT_NAMES or word in _INSTITUTIONS or word in _PLACE_ENDINGS:
                break
            kept.append(word)
        return kept

    def _run_names(self, text: str, run: re.Match[str]) -> Iterator[tuple[int, int, float, str]]:
        """Names among a run of capitalised words: a place or a saint's name is skipped; the
        words between common ones (The, Tuesday, Basildon) are a name when they are two or
        more, or one that is a listed forename or stands inside a sentence."""
        words = list(self._word.finditer(run.group()))
        if words[0].group() in _SAINTS or _is_place(text, run.start(), words[-1].group()):
            return
        piece: list[re.Match[str]] = []
        for word in [*words, None]:
            if word is not None and word.group() not in _NOT_NAMES:
                piece.append(word)
                continue
            if piece:
                start, end = run.start() + piece[0].start(), run.start() + piece[-1].end()
                found = self._judge([w.group() for w in piece], _inside_sentence(text, start))
                if found is not None:
                    yield start, end, found[0], found[1]
            piece = []

    def _judge(self, words: list[str], inside: bool) -> tuple[float, str] | None:
        listed = words[0] in self.names.forenames or words[-1] in self.names.surnames
        if len(words) >= 2:
            if listed:
                return 0.6, "capitalised words holding a listed first name or surname"
            return 0.5, "capitalised words shaped like a full name"
        if words[0] in self.names.forenames:
            return 0.6, "a listed first name"
        if inside:
            return 0.3, "a capitalised word inside a sentence, which may be a name"
        return None


def _is_place(text: str, start: int, last: str) -> bool:
    if last in _INSTITUTIONS:
        return True
    if last not in _PLACE_ENDINGS:
        return False
    before = text[max(0, start - _LOOK_BACK) : start].split()
    return not before or before[-1].lower() in _PREPOSITIONS or before[-1][-1] in ".!?:;"


def _inside_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - _LOOK_BACK) : start].rstrip()
    return bool(before) and before[-1] not in ".!?:;\n\"'("


class _ChildDetailRecogniser(_Recogniser):
    ENTITY = "CHILD_DETAIL"

    def spans(self, text: str) -> Iterator[tuple[int, int, float, str]]:
        for child in _CHILD.finditer(text):
            stop = _SENTENCE_END.search(text, child.end())
            limit = min(stop.start() if stop else len(text), child.end() + _CHILD_WINDOW)
            window = text[child.end() : limit]
            details: dict[str, int] = {}
            name = _CHILD_NAME.match(window)
            if name and name.group(1) not in _NOT_NAMES:
                details["name"] = name.end(1)
            for label, pattern in (("age", _AGE), ("school", _SCHOOL)):
                found = pattern.search(window)
                if found:
                    details[label] = found.end()
            if len(details) >= 2:
                told = " and ".join(sorted(details))
                end = child.end() + max(details.values())
                yield child.start(), end, 0.9, f"a child's {told} given together"


# --- the engine ---------------------------------------------------------------------------------


class Screener:
    """A presidio analyzer with the UK recognisers and the given name lists (built once)."""

    def __init__(self, names: NameLists) -> None:
        registry = RecognizerRegistry(supported_languages=["en"])
        for recogniser in (
            _EmailRecogniser(),
            PhoneRecognizer(supported_regions=["GB"]),
            _PhoneShapeRecogniser(),
            NhsRecognizer(),
            UkNinoRecognizer(),
            UkPostcodeRecognizer(),
            _AddressRecogniser(),
            _BirthDateRecogniser(),
            _NameRecogniser(names),
            _ChildDetailRecogniser(),
        ):
            registry.add_recognizer(recogniser)
        engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
        engine.load()
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine)

    def screen(self, text: str) -> Screened:
        results = self.analyzer.analyze(text=text, language="en")
        findings = _resolve(_to_findings(text, results))
        return Screened(masked=_mask(text, findings), findings=findings)


def _to_findings(text: str, results: Iterable[RecognizerResult]) -> Iterator[Finding]:
    kinds = {
        "ADDRESS": Kind.ADDRESS,
        "DATE_OF_BIRTH": Kind.DATE_OF_BIRTH,
        "PERSON": Kind.NAME,
        "CHILD_DETAIL": Kind.CHILD_DETAIL,
        "PHONE_SHAPE": Kind.PHONE,
    }
    for result in results:
        if result.entity_type in _PRESIDIO_KINDS:
            kind, reason = _PRESIDIO_KINDS[result.entity_type]
            if kind is Kind.PHONE and _is_freephone(text[result.start : result.end]):
                continue
        else:
            kind = kinds[result.entity_type]
            reason = str((result.recognition_metadata or {})["reason"])
        yield Finding(kind, result.start, result.end, round(result.score, 2), reason)


def _is_freephone(number: str) -> bool:
    """0800 and 0808 numbers belong to services (no household has one), so they are left."""
    parsed = phonenumbers.parse(number, "GB")
    return bool(phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE)


def _resolve(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Keep the longest of overlapping findings (the more specific kind at equal length)."""
    ranked = sorted(
        findings, key=lambda f: (-(f.end - f.start), _SPECIFICITY.index(f.kind), f.start)
    )
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    return tuple(sorted(kept, key=lambda f: f.start))


def _mask(text: str, findings: tuple[Finding, ...]) -> str:
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(f"[{finding.kind.value}]")
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def default_names() -> NameLists:
    """The world's forename and surname lists (typed from names common in England and Wales)."""
    return NameLists(forenames=frozenset(FORENAMES), surnames=frozenset(SURNAMES))


@cache
def _default_screener() -> Screener:
    return Screener(default_names())


def screen(text: str) -> Screened:
    """Screen ``text`` for personal data; findings' offsets index the original ``str``."""
    return _default_screener().screen(text)
