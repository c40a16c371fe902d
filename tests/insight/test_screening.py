"""Each kind of personal data is found, masked as [kind] and located in the original text;
look-alikes that community text is full of are left alone."""

from __future__ import annotations

import pytest

from bakehouse.insight.screening import Kind, Screened, Screener


def spans(screener: Screener, text: str) -> list[tuple[str, str]]:
    return [(f.kind.value, text[f.start : f.end]) for f in screener.screen(text).findings]


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("Ring me on 07911 123456 after six.", Kind.PHONE, "07911 123456"),
        ("Our landline is (01268) 533 210.", Kind.PHONE, "(01268) 533 210"),
        ("Ring +44 7911 123456 please.", Kind.PHONE, "+44 7911 123456"),
        # Never allocated (Ofcom's drama range), yet a phone number all the same.
        ("Text me on 07700 900123 tonight.", Kind.PHONE, "07700 900123"),
        ("Call 020 7946 0321 any time.", Kind.PHONE, "020 7946 0321"),
        ("Email sarah.c@hotmail.co.uk for the rota.", Kind.EMAIL, "sarah.c@hotmail.co.uk"),
        ("We live at SS14 2QR now.", Kind.POSTCODE, "SS14 2QR"),
        ("our postcode is ss16 4qs", Kind.POSTCODE, "ss16 4qs"),
        ("His NHS number is 943 476 5919.", Kind.NHS_NUMBER, "943 476 5919"),
        ("NI number AB 12 34 56 C on the form.", Kind.NI_NUMBER, "AB 12 34 56 C"),
        ("She was born on 12/03/2021 in Basildon.", Kind.DATE_OF_BIRTH, "12/03/2021"),
        ("DOB: 3 May 2019.", Kind.DATE_OF_BIRTH, "3 May 2019"),
        ("The flat at Flat 3, 22 Rectory Road has damp.", Kind.ADDRESS, "Flat 3, 22 Rectory Road"),
        ("Come to 14a Whitmore Way on Friday.", Kind.ADDRESS, "14a Whitmore Way"),
        ("Mrs Okafor feeds the whole street.", Kind.NAME, "Mrs Okafor"),
        ("My neighbour Tinashe has no help.", Kind.NAME, "Tinashe"),
        ("I spoke to Harpreet Swift about it.", Kind.NAME, "Harpreet Swift"),
        ("Sarah has nowhere to go.", Kind.NAME, "Sarah"),
        ("I asked Dąbrowski about the rota.", Kind.NAME, "Dąbrowski"),
        (
            "My son Jack, aged 4, at Vange Primary School has no place.",
            Kind.CHILD_DETAIL,
            "son Jack, aged 4, at Vange Primary School",
        ),
        (
            "my son Jack, aged 4, at Noak primary has no place.",
            Kind.CHILD_DETAIL,
            "son Jack, aged 4, at Noak primary",
        ),
        (
            "Our daughter Amy who is 6 years old cannot get in.",
            Kind.CHILD_DETAIL,
            "daughter Amy who is 6 years old",
        ),
    ],
)
def test_personal_data_is_found_masked_and_located(
    screener: Screener, text: str, kind: Kind, span: str
) -> None:
    screened = screener.screen(text)
    assert (kind.value, span) in spans(screener, text)
    start = text.index(span)
    assert screened.masked == text[:start] + f"[{kind.value}]" + text[start + len(span) :]
    assert screened.held


@pytest.mark.parametrize(
    "text",
    [
        "The playgroup on Vange Hill Drive closed in 2023.",
        "Call NHS 111 if the surgery is shut at the weekend.",
        "The Tuesday group at Pitsea Library helps parents with forms.",
        "Children aged 2 to 4 in Laindon need more nursery places.",
        "Freephone 0800 028 0800 is the food bank's helpline.",
        "Over 300 families in the SS14 area use the family hub.",
        "On 12 March 2025 we met at Wickford Community Centre.",
        "The number 14 bus to Basildon stops on Station Road.",
        "Room 12 at the family hub is free on Fridays.",
        "St Martin's church hall hosts the toddler group in May.",
        "The Citizens Advice drop-in on Rectory Road is every Monday.",
        "My son, aged 4, loves the library.",
    ],
)
def test_look_alikes_are_not_held(screener: Screener, text: str) -> None:
    screened = screener.screen(text)
    assert screened.findings == ()
    assert screened.masked == text
    assert not screened.held


def test_an_nhs_number_with_a_wrong_check_digit_is_not_an_nhs_number(screener: Screener) -> None:
    assert Kind.NHS_NUMBER.value not in [kind for kind, _ in spans(screener, "Ref 943 476 5918.")]


def test_a_date_without_birth_words_is_left(screener: Screener) -> None:
    assert spans(screener, "The group restarts on 12/03/2026.") == []


def test_overlapping_findings_keep_the_longest(screener: Screener) -> None:
    text = "My son Jack, aged 4, at Vange Primary School, and Mrs Okafor at 2 Elm Close SS14 2QR."
    assert spans(screener, text) == [
        ("child_detail", "son Jack, aged 4, at Vange Primary School"),
        ("name", "Mrs Okafor"),
        ("address", "2 Elm Close"),
        ("postcode", "SS14 2QR"),
    ]
    assert screener.screen(text).masked == "My [child_detail], and [name] at [address] [postcode]."


def test_each_finding_gives_the_moderator_a_reason(screener: Screener) -> None:
    findings = screener.screen("DOB 3 May 2019, NHS 943 476 5919, 07911 123456.").findings
    assert [f.kind for f in findings] == [Kind.DATE_OF_BIRTH, Kind.NHS_NUMBER, Kind.PHONE]
    assert all(f.reason and 0 < f.score <= 1 for f in findings)


def test_offsets_index_characters_not_bytes(screener: Screener) -> None:
    text = "Café owner — ring 07911 123456."
    (finding,) = screener.screen(text).findings
    assert text[finding.start : finding.end] == "07911 123456"


def test_empty_text_is_not_held(screener: Screener) -> None:
    assert screener.screen("") == Screened(masked="", findings=())
