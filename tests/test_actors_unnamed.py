"""Actors without a country: sector nouns ("police", "the rebels"), regions ("Europe", "the West")
and ethnic/religious groups ("the Kurds"), and the data tables behind them."""

from __future__ import annotations

import pycountry
import pytest

from realpolitik.actors import ActorResolver, KnowledgeBase, default_resolver
from realpolitik.models import Mention
from realpolitik.nlp import parse


@pytest.fixture(scope="module")
def resolver(nlp) -> ActorResolver:  # noqa: ANN001 - the nlp fixture loads spaCy once
    return default_resolver()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def found(resolver: ActorResolver, text: str) -> list[tuple[str, str, str | None]]:
    return [(m.text, m.actor.code, m.actor.country) for m in _explicit(resolver, text)]


def _explicit(resolver: ActorResolver, text: str) -> list[Mention]:
    return [m for m in resolver.resolve(parse(text)) if m.via != "anaphora"]


# ---------------------------------------------------------------- sector nouns alone


def test_sector_nouns_without_a_country(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "Police arrested dozens of protesters after gunmen attacked a school.")
    assert [(m.text, m.actor.code, m.actor.country, m.actor.sector) for m in ms] == [
        ("Police", "COP", None, "COP"),
        ("protesters", "CVL", None, "CVL"),
        ("gunmen", "UAF", None, "UAF"),
    ]
    assert {(m.via, m.actor.kind) for m in ms} == {("sector", "sector")}
    assert all(m.confidence < 1 for m in ms)


def test_a_country_word_still_wins(resolver: ActorResolver) -> None:
    # The demonym, the possessive and "of" keep their sector phrase; no second, country-less mention.
    assert found(resolver, "Iraqi police arrested 20 people.") == [("Iraqi police", "IRQCOP", "IRQ")]
    assert found(resolver, "Iraq's police arrested 20 people.") == [("Iraq's police", "IRQCOP", "IRQ")]
    assert ("officials", "GOV", None) not in found(resolver, "Iraqi and Kurdish officials met.")


def test_a_place_after_in_gives_the_country(resolver: ActorResolver) -> None:
    assert ("Police", "KENCOP", "KEN") in found(resolver, "Police in Kenya arrested a reporter.")
    assert ("Protesters", "KENCVL", "KEN") in found(resolver, "Protesters in Nairobi blocked a main road.")
    assert ("soldiers", "TCDMIL", "TCD") in found(resolver, "Hundreds of soldiers from Chad arrived.")


def test_group_nouns_take_the_sector_of_their_modifier(resolver: ActorResolver) -> None:
    assert found(resolver, "A rebel group attacked the town.") == [("rebel group", "REB", None)]
    assert found(resolver, "Government forces shelled the town.") == [("Government forces", "MIL", None)]
    # A listed noun that is no group noun keeps its own sector.
    assert found(resolver, "He joined a coalition government.") == [("coalition government", "GOV", None)]
    # An unknown noun in front of a group noun names something else.
    assert found(resolver, "Market forces and aid workers were blamed.") == []


def test_owned_and_deployed_forces_are_not_new_actors(resolver: ActorResolver) -> None:
    assert found(resolver, "Russia withdrew its troops from Syria.") == [
        ("Russia", "RUS", "RUS"),
        ("Syria", "SYR", "SYR"),
    ]
    assert ("troops", "MIL", None) not in found(resolver, "Britain is deploying 300 troops to Mali.")
    assert ("troops", "MIL", None) not in found(resolver, "Nigeria announced the deployment of 230 troops.")
    # Troops that are not the subject's own are still actors.
    assert ("troops", "MIL", None) in found(resolver, "Then troops opened fire on the crowd.")


def test_modifiers_and_unlisted_nouns_are_no_actor(resolver: ActorResolver) -> None:
    assert found(resolver, "The police station and the army camp were closed.") == []
    assert found(resolver, "People gathered in the square.") == []


def test_a_title_before_an_unknown_name(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "Prime Minister Algirdas Butkevicius resigned on Monday.")
    assert [(m.text, m.actor.code, m.actor.country, m.actor.name, m.actor.kind) for m in ms] == [
        ("Prime Minister Algirdas Butkevicius", "GOV", None, "Algirdas Butkevicius", "person")
    ]


def test_known_people_are_unchanged(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "President Vladimir Putin met the rebels.")
    assert [(m.text, m.actor.code) for m in ms] == [
        ("President Vladimir Putin", "RUSGOV"),
        ("rebels", "REB"),
    ]


def test_unnamed_can_be_switched_off(nlp) -> None:  # noqa: ANN001
    off = ActorResolver(unnamed=False)
    assert [m.via for m in off.resolve(parse("Police arrested protesters in Paris."))] == ["capital"]


def test_unnamed_mentions_overlap_no_other_mention(resolver: ActorResolver) -> None:
    text = "The rebels and Syrian troops clashed; officials of both countries said Kurdish fighters fled."
    ms = resolver.resolve(parse(text))
    spans = [(m.start, m.end) for m in ms if m.via == "sector"]
    others = [(m.start, m.end) for m in ms if m.via != "sector"]
    assert spans and all(not (a < d and c < b) for a, b in spans for c, d in others)


# ---------------------------------------------------------------- regions


def test_regions_are_actors_without_country(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "Europe and the West condemned the move, while African countries stayed silent.")
    assert [(m.text, m.actor.code, m.actor.country, m.actor.kind, m.via) for m in ms] == [
        ("Europe", "EUR", None, "region", "region"),
        ("the West", "WST", None, "region", "region"),
        ("African countries", "AFR", None, "region", "region"),
    ]


def test_a_region_takes_the_sector_of_its_actor_noun(resolver: ActorResolver) -> None:
    assert found(resolver, "European leaders met in Brussels.")[0] == ("European leaders", "EURGOV", None)
    assert found(resolver, "Peace in the Middle East is far.") == [("the Middle East", "MEA", None)]


def test_region_adjectives_need_an_actor_noun(resolver: ActorResolver) -> None:
    assert found(resolver, "The Central Asian security plan was discussed.") == []
    assert found(resolver, "African elephants are endangered.") == []
    # A longer form inside wins: "the West African nation" is not "the West".
    assert all(code != "WST" for _, code, _ in found(resolver, "The West African nation voted."))
    assert found(resolver, "Settlers entered the West Bank.")[-1] == ("West Bank", "PSE", "PSE")


def test_latin_america_is_no_america(resolver: ActorResolver) -> None:
    assert found(resolver, "Latin American leaders met.") == [("Latin American leaders", "LAMGOV", None)]


# ---------------------------------------------------------------- ethnic and religious groups


def test_ethnic_and_religious_groups(resolver: ActorResolver) -> None:
    ms = _explicit(resolver, "The Kurds and Shiite militias fought Sunni insurgents.")
    # The parser may take "Kurds and Shiite" as coordinated modifiers of "militias": then "Shiite"
    # keeps a minimal span, as "Chinese" does in "Chinese and Russian leaders".
    assert [(m.text.split()[0], m.actor.code, m.actor.country, m.actor.kind, m.via) for m in ms] == [
        ("Kurds", "KUR", None, "ethnic", "ethnic"),
        ("Shiite", "SHIUAF", None, "ethnic", "ethnic"),
        ("Sunni", "SUNREB", None, "ethnic", "ethnic"),
    ]
    assert ms[-1].text == "Sunni insurgents"


def test_ethnic_adjectives_need_an_actor_noun(resolver: ActorResolver) -> None:
    assert found(resolver, "Kurdish fighters entered the Kurdish region.") == [
        ("Kurdish fighters", "KURREB", None)
    ]


def test_a_group_name_that_is_a_first_name(resolver: ActorResolver) -> None:
    assert all(code != "CHR" for _, code, _ in found(resolver, "Christian Lindner met Olaf Scholz."))


# ---------------------------------------------------------------- data


def test_group_codes_are_no_country_or_sector_codes(kb: KnowledgeBase) -> None:
    for table in (kb.regions, kb.ethnic):
        for form, g in table.items():
            assert len(g.code) == 3 and g.code.isupper(), form
            assert pycountry.countries.get(alpha_3=g.code) is None, (form, g.code)
            assert g.code not in kb.countries and g.code not in kb.sector_labels, (form, g.code)


def test_unnamed_sectors_agree_with_sectors_tsv(kb: KnowledgeBase) -> None:
    for phrase, rule in kb.unnamed.items():
        if rule.sector is None:
            assert rule.role == "collective", phrase
            continue
        assert rule.sector in kb.sector_labels, phrase
        same = kb.sector_rule(phrase)
        if same is not None:
            assert same.sector == rule.sector, phrase


def test_kb_actor_codes_for_groups_and_sectors(kb: KnowledgeBase) -> None:
    eur = kb.actor("EUR")
    assert eur is not None and (eur.country, eur.kind, eur.sector) == (None, "region", None)
    kur = kb.actor("KURREB")
    assert kur is not None and (kur.country, kur.kind, kur.sector) == (None, "ethnic", "REB")
    cop = kb.actor("COP")
    assert cop is not None and (cop.country, cop.kind, cop.sector) == (None, "sector", "COP")
    assert kb.actor("XXXGOV") is None
