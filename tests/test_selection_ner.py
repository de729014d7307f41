"""NER only where it can change what the resolver and the coder read (realpolitik.selection)."""

from __future__ import annotations

import pytest

from realpolitik.events.dates import may_hold_date


@pytest.fixture(scope="module")
def pipeline():
    from realpolitik.pipeline import Pipeline

    return Pipeline()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("China signed the treaty on Monday .", True),
        ("They met last week .", True),
        ("The talks began in 2019 .", True),
        ("Troops left on 12/05 .", True),
        ("Talks resumed in May .", True),
        ("Five days ago the army attacked .", True),
        ("China signed the treaty .", False),
        ("Rebels may march on the capital .", False),  # modal "may", verb "march"
        ("It cost 300 dollars .", False),
    ],
)
def test_may_hold_date_finds_every_word_resolve_needs(sentence: str, expected: bool) -> None:
    assert may_hold_date(sentence.split()) is expected


def test_may_hold_date_agrees_with_resolve() -> None:
    """Every expression resolve() dates holds a cue word: the cue test is never narrower."""
    from datetime import date

    from realpolitik.events.dates import resolve

    ref = date(2020, 6, 15)
    for text in [
        "Monday",
        "last Friday",
        "yesterday",
        "today",
        "tonight",
        "this week",
        "last month",
        "next year",
        "this weekend",
        "three days ago",
        "May 5",
        "March 2019",
        "2019",
        "the year 2012",
        "2013-07-11",
        "10/12/2012",
        "last night",
        "this morning",
        "now",
        "currently",
        "Sept. 11",
        "the same day",
        "earlier this year",
    ]:
        if resolve(text, ref) is not None:
            assert may_hold_date(text.split()), text


def _words(text: str) -> list[str]:
    from realpolitik.nlp import load_nlp

    return [t.text for t in load_nlp().make_doc(text)]


@pytest.mark.parametrize(
    ("text", "plain", "dependent"),
    [
        ("Russia and China signed", {"Russia", "China"}, set()),
        ("Israel said", {"Israel"}, set()),  # not_person, but no capitalised neighbour
        ("Michael Jordan said", set(), {"Michael", "Jordan"}),  # a blocked name: an unknown person
        ("Jordan and Syria met", {"Jordan", "Syria"}, set()),
        ("Chad Johnson said", set(), {"Chad", "Johnson"}),  # names run on: NER may veto either
        ("the Putin - Trump summit", set(), {"Putin", "Trump"}),  # a name runs on across a hyphen
        ("spokesman John Kirby said", set(), {"John", "Kirby"}),  # a title reads the entity
        ("the official China Daily said", set(), {"China", "Daily"}),
        ("the National Security Council met", set(), {"National", "Security", "Council"}),
    ],
)
def test_names_the_resolver_reads_with_and_without_ner(pipeline, text, plain, dependent) -> None:
    words = _words(text)
    got_plain, got_dependent = pipeline._selector.actors.names_and_ner(words)
    assert {words[i] for i in got_plain} == plain
    assert {words[i] for i in got_dependent} == dependent


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("Russia and China signed a treaty.", False),
        ("The United States imposed sanctions on Iran.", False),
        ("China signed a treaty on Monday.", True),  # a date
        ("Smith criticised China.", True),  # an unknown name
        ("China criticised Smith.", True),
        ("I'll talk to jeff about China.", True),  # a lower-case name
        ("Rice criticised China.", True),  # an alias only a PERSON entity confirms
        ('"We condemn Russia," China said.', False),  # a quotation's first word
    ],
)
def test_names_need_ner(pipeline, text: str, needs: bool) -> None:
    nlp = pipeline.nlp
    doc = nlp(text, disable=["ner"])
    assert pipeline._selector.needs_ner(doc) is needs


def test_context_sentences_need_no_ner_for_dates(pipeline) -> None:
    """A sentence kept only as context for an anaphor yields no event: its dates date nothing."""
    from realpolitik.nlp import parse_sentences_many

    def with_ner(text: str) -> dict[str, bool]:
        parsed = next(parse_sentences_many([text], pipeline.nlp, select=pipeline._selector))
        return {s.text: s.span.doc.has_annotation("ENT_IOB") for s in parsed.sentences}

    assert with_ner("Russia and China stayed calm on Monday. They condemned Ukraine.") == {
        "Russia and China stayed calm on Monday.": False,  # context for "They": no event to date
        "They condemned Ukraine.": False,
    }
    assert with_ner("Russia and China attacked Ukraine on Monday. They condemned Ukraine.") == {
        "Russia and China attacked Ukraine on Monday.": True,  # an event: Monday dates it
        "They condemned Ukraine.": False,
    }


def test_sentences_left_without_ner_have_no_entities(pipeline) -> None:
    from realpolitik.nlp import parse_sentences_many

    text = (
        "Russia and China signed a treaty.\n\nChina signed a second treaty with Russia on Monday, "
        "officials said. Smith criticised China."
    )
    parsed = next(parse_sentences_many([text], pipeline.nlp, select=pipeline._selector))
    with_ner = {s.text: s.span.doc.has_annotation("ENT_IOB") for s in parsed.sentences}
    assert with_ner == {
        "Russia and China signed a treaty.": False,
        "China signed a second treaty with Russia on Monday, officials said.": True,
        "Smith criticised China.": True,
    }
    assert [(e.text, e.label_) for s in parsed.sentences for e in s.span.ents if e.label_ == "DATE"] == [
        ("Monday", "DATE")
    ]
