"""Subjects of event sentences that name no known actor: counted crowds, sector words in front of
group nouns, "X from/at <state>", organisations known only by their name's head noun, titled
persons the knowledge base does not know, and misspelt country names. The sentences are written
for these tests (none comes from a benchmark)."""

from __future__ import annotations

import pytest

from realpolitik.actors import ActorResolver, KnowledgeBase, default_resolver
from realpolitik.actors.resolver import _one_edit
from realpolitik.models import Mention
from realpolitik.nlp import parse


@pytest.fixture(scope="module")
def resolver(nlp) -> ActorResolver:  # noqa: ANN001 - the nlp fixture loads spaCy once
    return default_resolver()


def _explicit(resolver: ActorResolver, text: str) -> list[Mention]:
    return [m for m in resolver.resolve(parse(text)) if m.via != "anaphora"]


def codes(resolver: ActorResolver, text: str) -> dict[str, str]:
    return {m.text: m.actor.code for m in _explicit(resolver, text)}


# ---------------------------------------------------------------- counted people


def test_counted_people_acting_are_civilians(resolver: ActorResolver) -> None:
    assert codes(resolver, "Tens of thousands of people marched through the capital on Sunday.") == {
        "people": "CVL"
    }
    assert codes(resolver, "About 3,000 people rallied outside the court.").get("people") == "CVL"


def test_people_as_victims_or_alone_are_no_actor(resolver: ActorResolver) -> None:
    # Victims of a verb and people not counted are left out (mostly no actor of the event).
    assert "people" not in codes(resolver, "The blast killed 23 people in the market.")
    assert "people" not in codes(resolver, "Hundreds of people were wounded in the clashes.")
    assert "people" not in codes(resolver, "People want change, the minister said.")


# ---------------------------------------------------------------- sector words and group nouns


def test_a_sector_word_gives_its_sector_to_a_group_noun(resolver: ActorResolver) -> None:
    assert codes(resolver, "Brazilian business leaders urged lower tariffs.") == {
        "Brazilian business leaders": "BRABUS"
    }
    # GOV in front changes nothing: government forces stay military.
    assert codes(resolver, "Nigerian government forces shelled the village.") == {
        "Nigerian government forces": "NGAMIL"
    }


def test_religious_and_radical_groups(resolver: ActorResolver) -> None:
    assert codes(resolver, "Islamic fundamentalists called a general strike.") == {
        "Islamic fundamentalists": "MOSRAD"
    }
    ms = _explicit(resolver, "Islamic fundamentalists called a general strike.")
    assert ms[0].actor.country is None


def test_suicide_bombers_are_no_state_military(resolver: ActorResolver) -> None:
    assert codes(resolver, "Iraqi suicide bombers struck a checkpoint.") == {
        "Iraqi suicide bombers": "IRQUAF"
    }
    assert codes(resolver, "Suicide bombers struck a checkpoint.") == {"Suicide bombers": "UAF"}


def test_aid_agencies_are_ngos(resolver: ActorResolver) -> None:
    assert codes(resolver, "A large aid agency appealed for calm.") == {"aid agency": "NGO"}
    assert codes(resolver, "A Western aid agency appealed for calm.") == {"Western aid agency": "WSTNGO"}
    assert codes(resolver, "A British charity appealed for calm.") == {"British charity": "GBRNGO"}


def test_supporters_of_someone_are_civilians_not_that_person(resolver: ActorResolver) -> None:
    found = codes(resolver, "Supporters of the jailed opposition leader blocked a highway.")
    assert found.get("Supporters") == "CVL"


# ---------------------------------------------------------------- "X from/at <state>"


def test_a_state_after_from_or_at_gives_the_country(resolver: ActorResolver) -> None:
    assert codes(resolver, "Reporters at a Kenyan radio station went on strike.").get("Reporters") == "KENMED"
    assert (
        codes(resolver, "Doctors from three French hospitals signed the letter.").get("Doctors") == "FRAHLH"
    )
    # A partitive group noun passes its place on: members of parliament from Ghana are Ghana's.
    found = codes(resolver, "Members of parliament from Ghana's ruling party walked out.")
    assert found.get("parliament") == "GHALEG"


def test_a_group_based_in_a_state(resolver: ActorResolver) -> None:
    assert codes(resolver, "A terror group based in Mali claimed the attack.").get("terror group") == "MLIUAF"


# ---------------------------------------------------------------- unknown organisations


def test_unknown_organisations_by_their_head_noun(resolver: ActorResolver) -> None:
    assert codes(resolver, "The Border Monitoring Committee has completed its inquiry.") == {
        "Border Monitoring Committee": "GOV"
    }
    ms = _explicit(resolver, "The Border Monitoring Committee has completed its inquiry.")
    assert (ms[0].via, ms[0].actor.country, ms[0].actor.name) == (
        "org_head",
        None,
        "Border Monitoring Committee",
    )
    assert codes(resolver, "The Association of Coastal Fishermen filed a complaint.") == {
        "Association of Coastal Fishermen": "NGO"
    }


def test_a_state_inside_the_name_gives_the_country(resolver: ActorResolver) -> None:
    # The bare demonym mention gives way to the organisation's.
    assert codes(resolver, "The Ghanaian Miners' Union called a strike.") == {
        "Ghanaian Miners' Union": "GHALAB"
    }
    assert codes(resolver, "The Chilean Peace Council issued a statement.") == {
        "Chilean Peace Council": "CHLGOV"
    }
    # A state's own army is its military, an unknown named army a rebel one.
    assert codes(resolver, "The Chadian Army opened fire.") == {"Chadian Army": "TCDMIL"}
    assert codes(resolver, "The Northern Liberation Army opened fire.") == {"Northern Liberation Army": "REB"}


def test_a_word_before_the_name_sets_the_sector(resolver: ActorResolver) -> None:
    assert codes(resolver, "The ruling Progress Party has introduced a new tax.") == {"Progress Party": "GOV"}
    assert codes(resolver, "The opposition Progress Party rejected the new tax.") == {"Progress Party": "OPP"}
    assert codes(resolver, "The Progress Party rejected the new tax.") == {"Progress Party": "PTY"}


def test_known_organisations_are_not_recoded(resolver: ActorResolver) -> None:
    assert codes(resolver, "The African Union condemned the coup.") == {"African Union": "IGOAFRAFU"}
    assert codes(resolver, "The Commission rejected the plan.") == {}


# ---------------------------------------------------------------- titled persons


def test_a_former_office_holder_is_an_elite(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "Former Prime Minister Jonas Vaitkevicius has agreed to testify.")
    assert [(m.text, m.actor.code, m.actor.kind) for m in ms] == [
        ("Former Prime Minister Jonas Vaitkevicius", "ELI", "person")
    ]
    ms = _explicit(resolver, "Prime Minister Jonas Vaitkevicius has agreed to testify.")
    assert [(m.actor.code, m.actor.name) for m in ms] == [("GOV", "Jonas Vaitkevicius")]


def test_a_hyphenated_title(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "Vice-President Jonas Vaitkevicius has declined to resign.")
    assert [(m.actor.code, m.actor.name) for m in ms] == [("GOV", "Jonas Vaitkevicius")]


# ---------------------------------------------------------------- misspelt country names


def test_misspelt_country_names(resolver: ActorResolver) -> None:
    assert codes(resolver, "Afganistan rejected the offer on Friday.") == {"Afganistan": "AFG"}
    ms = _explicit(resolver, "Afganistan rejected the offer on Friday.")
    assert (ms[0].via, ms[0].confidence < 1) == ("typo", True)


def test_no_misspelling_where_a_real_word_or_compound_is(resolver: ActorResolver) -> None:
    assert "Franco" not in codes(resolver, "Franco-German relations improved.")
    assert "Americas" not in codes(resolver, "The Americas summit opened on Monday.")


def test_one_edit() -> None:
    assert _one_edit("Isreal", "Israel")  # two neighbours swapped
    assert _one_edit("Ethopia", "Ethiopia")  # a letter dropped
    assert _one_edit("Phillippines", "Philippines")  # a letter added
    assert not _one_edit("Malawi", "Marawi")  # a changed letter makes other real names
    assert not _one_edit("Israel", "Israel")
    assert not _one_edit("Serbia", "Syria")


def test_org_heads_table_uses_known_sectors() -> None:
    kb = KnowledgeBase.load()
    for role, table in kb.org_words.items():
        assert table, role
        for word, sector in table.items():
            assert sector in kb.sector_labels, (role, word, sector)


def test_a_states_people_is_the_state(resolver: ActorResolver) -> None:
    # "<demonym> <people>" names the state's people: one mention, coded as the state.
    assert codes(resolver, "Thousands of Syrian Kurds crossed into Iraq.") == {
        "Syrian Kurds": "SYR",
        "Iraq": "IRQ",
    }
    assert codes(resolver, "Kurds crossed into Iraq.") == {"Kurds": "KUR", "Iraq": "IRQ"}
