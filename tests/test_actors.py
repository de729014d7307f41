"""Actor resolution: unit tests on small sentences, one per rule, and the seed article.

Measured on shared data (see test_actors_shared.py for the checks that run on it).
"""

from __future__ import annotations

from datetime import date

import pytest

from realpolitik.actors import ActorResolver, KnowledgeBase, default_resolver
from realpolitik.models import Mention
from realpolitik.nlp import parse


@pytest.fixture(scope="module")
def resolver(nlp) -> ActorResolver:  # noqa: ANN001 - the nlp fixture loads spaCy once
    return default_resolver()


def run(resolver: ActorResolver, text: str, day: date | None = None) -> list[Mention]:
    return resolver.resolve(parse(text), day)


def codes(mentions: list[Mention], via: str | None = None) -> list[tuple[str, str]]:
    return [(m.text, m.actor.code) for m in mentions if via is None or m.via == via]


def explicit(mentions: list[Mention]) -> list[tuple[str, str]]:
    return [(m.text, m.actor.code) for m in mentions if m.via != "anaphora"]


# ---------------------------------------------------------------- API and knowledge base


def test_kb_actor_and_country_name() -> None:
    kb = KnowledgeBase.load()
    chn = kb.actor("CHN")
    assert chn is not None and (chn.code, chn.name, chn.country, chn.sector, chn.kind) == (
        "CHN",
        "China",
        "CHN",
        None,
        "state",
    )
    gov = kb.actor("CHNGOV")
    assert gov is not None and gov.sector == "GOV" and gov.country == "CHN"
    nato = kb.actor("IGOWSTNAT")
    assert nato is not None and nato.country is None and nato.kind == "igo"
    assert kb.actor("XXXGOV") is None
    assert kb.country_name("MMR") == "Myanmar"
    assert kb.country_name("ZZZ") is None


def test_default_resolver_is_cached() -> None:
    assert default_resolver() is default_resolver()


def test_mentions_sorted_with_consistent_offsets(resolver: ActorResolver) -> None:
    text = "Headline: China warns Japan\n\nRussia and Ukraine traded blame, said the Kremlin."
    parsed = parse(text)
    ms = resolver.resolve(parsed)
    assert [(m.start, m.end) for m in ms] == sorted((m.start, m.end) for m in ms)
    for m in ms:
        assert text[m.start : m.end] == m.text
        sent = parsed.sentences[m.sentence_index]
        doc = sent.span.doc
        assert sent.offset + doc[m.token_start].idx <= m.start
        assert m.end <= sent.offset + doc[m.token_end - 1].idx + len(doc[m.token_end - 1].text)


# ---------------------------------------------------------------- names, short forms, demonyms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. and the UK signed a deal.", [("U.S.", "USA"), ("UK", "GBR")]),
        ("US officials met U.K. diplomats.", [("US officials", "USAGOV"), ("U.K. diplomats", "GBRGOV")]),
        ("America and Britain disagreed.", [("America", "USA"), ("Britain", "GBR")]),
        ("North Korea fired a missile, South Korea said.", [("North Korea", "PRK"), ("South Korea", "KOR")]),
        ("The DPRK rejected the offer.", [("DPRK", "PRK")]),
        ("Burma and Ivory Coast voted against.", [("Burma", "MMR"), ("Ivory Coast", "CIV")]),
        ("Czechia joined Côte d’Ivoire in the call.", [("Czechia", "CZE"), ("Côte d’Ivoire", "CIV")]),
        ("Sudanese and Burmese refugees arrived.", [("Sudanese", "SDNREF"), ("Burmese", "MMRREF")]),
        ("The American ambassador left.", [("American ambassador", "USAGOV")]),
        ("Niger and Nigeria closed the border.", [("Niger", "NER"), ("Nigeria", "NGA")]),
        (
            "Guinea-Bissau and Equatorial Guinea met Guinea.",
            [("Guinea-Bissau", "GNB"), ("Equatorial Guinea", "GNQ"), ("Guinea", "GIN")],
        ),
        ("Dominica and the Dominican Republic signed.", [("Dominica", "DMA"), ("Dominican Republic", "DOM")]),
        ("South Sudan accused Sudan.", [("South Sudan", "SSD"), ("Sudan", "SDN")]),
        (
            "Taiwan, Kosovo, Palestine and Hong Kong were named.",
            [("Taiwan", "TWN"), ("Kosovo", "XKX"), ("Palestine", "PSE"), ("Hong Kong", "HKG")],
        ),
    ],
)
def test_states_short_forms_demonyms(resolver: ActorResolver, text: str, expected: list) -> None:
    assert explicit(run(resolver, text)) == expected


def test_headline_in_capitals(resolver: ActorResolver) -> None:
    assert ("CHINA", "CHN") in explicit(run(resolver, "CHINA AND RUSSIA VIE FOR SUPREMACY"))


# ---------------------------------------------------------------- ambiguous names


def test_jordan_person_vetoed_country_kept(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Michael Jordan praised the team.")) == []
    assert explicit(run(resolver, "Jordan and Britain agreed to hold exercises.")) == [
        ("Jordan", "JOR"),
        ("Britain", "GBR"),
    ]


def test_chad_first_name_vetoed(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Chad Johnson signed a contract with the club.")) == []
    assert ("Chad", "TCD") in explicit(run(resolver, "Chad closed its border with Sudan."))


def test_georgia_us_state_vetoed(resolver: ActorResolver) -> None:
    us = run(resolver, "Voters in Atlanta, Georgia, lined up as Gov. Brian Kemp watched.")
    assert all(m.actor.country != "GEO" for m in us)
    country = run(resolver, "Georgia accused Russia of occupying Abkhazia, officials in Tbilisi said.")
    assert ("Georgia", "GEO") in explicit(country)


def test_blocked_phrases(resolver: ActorResolver) -> None:
    ms = explicit(run(resolver, "The Washington Post reported from New Mexico and Central America."))
    assert ms == []
    # "Latin America" is a region now (CAMEO LAM), and still no "America" -> USA inside it.
    ms = explicit(run(resolver, "The Washington Post reported from New Mexico and Latin America."))
    assert ms == [("Latin America", "LAM")]


def test_pro_prefix_and_based_suffix(resolver: ActorResolver) -> None:
    ms = explicit(run(resolver, "Pro-Russian separatists attacked a London-based firm."))
    assert all(code not in ("RUS", "GBRGOV") for _, code in ms)


# ---------------------------------------------------------------- capitals and seats


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beijing protested.", [("Beijing", "CHNGOV")]),
        ("The Kremlin denied it.", [("Kremlin", "RUSGOV")]),
        ("The White House and the Pentagon disagreed.", [("White House", "USAGOV"), ("Pentagon", "USAMIL")]),
        ("Downing Street said nothing.", [("Downing Street", "GBRGOV")]),
        ("Kyiv and Kiev are the same city.", [("Kyiv", "UKRGOV"), ("Kiev", "UKRGOV")]),
        (
            "Pyongyang warned Seoul and Tokyo.",
            [("Pyongyang", "PRKGOV"), ("Seoul", "KORGOV"), ("Tokyo", "JPNGOV")],
        ),
        ("The Elysee and Zhongnanhai exchanged notes.", [("Elysee", "FRAGOV"), ("Zhongnanhai", "CHNGOV")]),
        ("Brussels fined the company.", [("Brussels", "IGOEUREEC")]),
    ],
)
def test_capitals_and_seats(resolver: ActorResolver, text: str, expected: list) -> None:
    assert explicit(run(resolver, text)) == expected


# ---------------------------------------------------------------- sectors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Chinese foreign ministry protested.", [("Chinese foreign ministry", "CHNGOV")]),
        ("Russian forces shelled the town.", [("Russian forces", "RUSMIL")]),
        ("Russian troops withdrew.", [("Russian troops", "RUSMIL")]),
        ("Georgian protesters marched.", [("Georgian protesters", "GEOCVL")]),
        ("Iran's foreign ministry summoned the envoy.", [("Iran's foreign ministry", "IRNGOV")]),
        ("U.S. military personnel are involved.", [("U.S. military personnel", "USAMIL")]),
        ("U.S. sanctions hurt.", [("U.S.", "USA")]),
        ("Chinese foreign aid rose.", [("Chinese", "CHN")]),
        ("The government of China refused.", [("government of China", "CHNGOV")]),
        ("Israeli police arrested two men.", [("Israeli police", "ISRCOP")]),
        ("A Pakistani court convicted him.", [("Pakistani court", "PAKJUD")]),
        ("Turkish lawmakers voted.", [("Turkish lawmakers", "TURLEG")]),
        ("Syrian rebels advanced.", [("Syrian rebels", "SYRREB")]),
        ("Venezuelan opposition leaders met.", [("Venezuelan opposition leaders", "VENOPP")]),
    ],
)
def test_sectors(resolver: ActorResolver, text: str, expected: list) -> None:
    assert explicit(run(resolver, text)) == expected


def test_local_security_forces_without_country_is_a_sector_actor(resolver: ActorResolver) -> None:
    ms = [m for m in run(resolver, "Local security forces were trained.") if m.via != "anaphora"]
    assert [(m.text, m.actor.code, m.actor.country, m.actor.kind, m.via) for m in ms] == [
        ("security forces", "MIL", None, "sector", "sector")
    ]


def test_coordinated_demonyms_share_the_head_noun(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Chinese and Russian leaders met.")) == [
        ("Chinese", "CHNGOV"),
        ("Russian", "RUSGOV"),
    ]


def test_the_chinese_president_is_the_office_holder(resolver: ActorResolver) -> None:
    ms = run(resolver, "The Chinese president arrived.", date(2019, 5, 1))
    assert [(m.actor.code, m.actor.kind, m.actor.name) for m in ms] == [("CHNGOV", "person", "Xi Jinping")]


# ---------------------------------------------------------------- coordination and compounds


def test_coordination(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "China and Russia signed a pact.")) == [("China", "CHN"), ("Russia", "RUS")]


def test_hyphenated_compounds_give_one_mention_per_country(resolver: ActorResolver) -> None:
    text = "The U.S.-China trade deal and Chinese-Russian ties."
    ms = run(resolver, text)
    assert explicit(ms) == [("U.S.", "USA"), ("China", "CHN"), ("Chinese", "CHN"), ("Russian", "RUS")]
    us, cn = ms[0], ms[1]
    assert text[us.start : us.end] == "U.S." and text[cn.start : cn.end] == "China"
    assert us.token_start == cn.token_start and us.token_end == cn.token_end == us.token_start + 1


def test_demonym_modifier(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Washington imposed U.S. sanctions.")) == [
        ("Washington", "USAGOV"),
        ("U.S.", "USA"),
    ]


# ---------------------------------------------------------------- people, time-aware


def test_person_with_title_and_country_is_one_mention(resolver: ActorResolver) -> None:
    ms = run(
        resolver, "Russia's President Vladimir Putin met U.S. President Donald Trump.", date(2018, 7, 16)
    )
    assert [(m.text, m.actor.code, m.actor.kind) for m in ms] == [
        ("Russia's President Vladimir Putin", "RUSGOV", "person"),
        ("U.S. President Donald Trump", "USAGOV", "person"),
    ]


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2018, 6, 1), "USAGOV"),
        (date(2022, 6, 1), "USA"),
        (date(2025, 3, 1), "USAGOV"),
        (None, "USAGOV"),
    ],
)
def test_trump_time_aware(resolver: ActorResolver, day: date | None, code: str) -> None:
    ms = run(resolver, "President Trump criticized the plan.", day)
    assert len(ms) == 1
    a = ms[0].actor
    assert (a.code, a.country, a.kind, a.name) == (code, "USA", "person", "Donald Trump")
    assert a.sector == ("GOV" if code == "USAGOV" else None)


def test_surnames_alone(resolver: ActorResolver) -> None:
    ms = run(resolver, "Xi told Putin that Trump was wrong.", date(2019, 1, 1))
    assert codes(ms) == [("Xi", "CHNGOV"), ("Putin", "RUSGOV"), ("Trump", "USAGOV")]


def test_ambiguous_surname_resolved_by_date(resolver: ActorResolver) -> None:
    assert run(resolver, "Bush spoke.", date(1991, 3, 1))[0].actor.name == "George H. W. Bush"
    assert run(resolver, "Bush spoke.", date(2005, 3, 1))[0].actor.name == "George W. Bush"


def test_relatives_are_not_the_leader(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Ivanka Trump and Hunter Biden attended.", date(2020, 1, 1))) == []


def test_unknown_person_with_country_and_title(resolver: ActorResolver) -> None:
    ms = run(resolver, "Portuguese President Mario Soares said on Tuesday that talks failed.")
    assert [(m.text, m.actor.code, m.actor.kind) for m in ms] == [
        ("Portuguese President Mario Soares", "PRTGOV", "person")
    ]


def test_international_officials(resolver: ActorResolver) -> None:
    ms = run(
        resolver, "UN Secretary-General Antonio Guterres and NATO chief Mark Rutte spoke.", date(2025, 1, 5)
    )
    assert [(m.actor.code, m.actor.country) for m in ms] == [("IGOUNO", None), ("IGOWSTNAT", None)]


# ---------------------------------------------------------------- organisations and groups


@pytest.mark.parametrize(
    ("text", "code", "country", "kind"),
    [
        ("NATO expanded.", "IGOWSTNAT", None, "igo"),
        ("The United Nations voted.", "IGOUNO", None, "igo"),
        ("The European Union imposed tariffs.", "IGOEUREEC", None, "igo"),
        ("The IMF approved a loan.", "IGOBUSIMF", None, "igo"),
        ("The World Health Organization warned.", "IGOUNOHLHWHO", None, "igo"),
        ("Amnesty International condemned it.", "NGOHRIAMN", None, "ngo"),
        ("Islamic State claimed the attack.", "IMGMOSISI", None, "armed_group"),
        ("Al-Qaeda claimed the attack.", "IMGMOSALQ", None, "armed_group"),
        # Domestic groups keep their CAMEO country prefix (models.Actor: None only for transnational).
        ("Hamas fired rockets.", "PSEREBHMS", "PSE", "armed_group"),
        ("Hezbollah denied it.", "LBNREBHEZ", "LBN", "armed_group"),
        ("The Houthis attacked a ship.", "YEMREBHTH", "YEM", "armed_group"),
    ],
)
def test_organisations(resolver: ActorResolver, text: str, code: str, country: str | None, kind: str) -> None:
    ms = run(resolver, text)
    assert [(m.actor.code, m.actor.country, m.actor.kind) for m in ms] == [(code, country, kind)]


def test_taliban_time_aware(resolver: ActorResolver) -> None:
    before = run(resolver, "The Taliban attacked Kabul.", date(2015, 1, 1))
    after = run(resolver, "The Taliban banned music.", date(2023, 1, 1))
    assert (before[0].actor.code, before[0].actor.kind) == ("AFGINSTAL", "armed_group")
    assert (after[0].actor.code, after[0].actor.country) == ("AFGGOV", "AFG")


# ---------------------------------------------------------------- anaphora


def anaphora(ms: list[Mention]) -> list[tuple[str, str]]:
    return [(m.text, m.actor.code) for m in ms if m.via == "anaphora"]


def test_plural_pronoun_takes_the_coordinated_pair(resolver: ActorResolver) -> None:
    ms = run(resolver, "China and Russia signed a pact. They said it would last.")
    assert anaphora(ms) == [("They", "CHN"), ("They", "RUS")]
    assert all(m.confidence < 1 for m in ms if m.via == "anaphora")


def test_he_is_the_last_person(resolver: ActorResolver) -> None:
    ms = run(resolver, "Xi said he aims to reinvigorate ties.", date(2019, 1, 1))
    assert anaphora(ms) == [("he", "CHNGOV")]


def test_the_two_leaders(resolver: ActorResolver) -> None:
    ms = run(resolver, "Biden met Xi in Bali. The two leaders discussed Taiwan.", date(2022, 11, 14))
    assert sorted(anaphora(ms)) == [("The two leaders", "CHNGOV"), ("The two leaders", "USAGOV")]


def test_the_countries_prefers_the_recent_object_group(resolver: ActorResolver) -> None:
    ms = run(
        resolver,
        "China and Russia remain allies of Myanmar and Sudan despite sanctions against the countries.",
    )
    assert anaphora(ms) == [("the countries", "MMR"), ("the countries", "SDN")]


def test_neither_country_after_compound(resolver: ActorResolver) -> None:
    ms = run(resolver, "Trump spurned a U.S.-China trade deal, which he said benefited neither country.")
    assert ("neither country", "USA") in anaphora(ms) and ("neither country", "CHN") in anaphora(ms)


def test_no_antecedent_no_mention(resolver: ActorResolver) -> None:
    assert run(resolver, "They said it would rain.") == []


# ---------------------------------------------------------------- the seed article


def test_seed_article(resolver: ActorResolver, shared_data) -> None:  # noqa: ANN001
    text = (shared_data / "seed" / "article.txt").read_text(encoding="utf-8")
    ms = run(resolver, text, date(2018, 11, 1))
    found = {(m.text, m.actor.code) for m in ms}
    for pair in [
        ("China", "CHN"),
        ("Russia", "RUS"),
        ("Chinese", "CHNGOV"),
        ("Russian", "RUSGOV"),
        ("Beijing", "CHNGOV"),
        ("President Xi Jinping", "CHNGOV"),
        ("Xi", "CHNGOV"),
        ("Putin", "RUSGOV"),
        ("Russia’s President Vladimir Putin", "RUSGOV"),
        ("U.S. President Donald Trump", "USAGOV"),
        ("Trump", "USAGOV"),
        ("U.S.", "USA"),
        ("United States", "USA"),
        ("Moscow", "RUSGOV"),
        ("Myanmar", "MMR"),
        ("Sudan", "SDN"),
        ("Niger", "NER"),
        ("North Korea", "PRK"),
        ("Ukraine", "UKR"),
        ("Syria", "SYR"),
        ("Iran", "IRN"),
        ("U.S. military personnel", "USAMIL"),
        ("The two leaders", "CHNGOV"),
        ("The two leaders", "RUSGOV"),
        ("the countries", "MMR"),
        ("the countries", "SDN"),
        ("neither country", "USA"),
        ("neither country", "CHN"),
        ("China", "CHN"),
    ]:
        assert pair in found, pair
    # "they say U.S. military personnel..." : China and Russia, the subjects, not Myanmar and Sudan.
    they = [m.actor.code for m in ms if m.text == "they" and 1480 < m.start < 1520]
    assert they == ["CHN", "RUS"]
    # "U.S.-China" gives two mentions inside one token.
    assert ("U.S.", "USA") in found and sum(1 for m in ms if m.text == "China" and m.start > 1950) >= 1
    assert not any(m.actor.code == "IMGMOSISI" for m in ms)  # "anti-ISIS coalition"


# ---------------------------------------------------------------- later rules


def test_seed_they_after_the_two_leaders(resolver: ActorResolver) -> None:
    ms = run(
        resolver,
        "Xi hosted Putin. Trump was absent. The two leaders have a rapport since they first met in 2013.",
        date(2018, 11, 1),
    )
    they = [(m.actor.code, m.actor.name) for m in ms if m.text == "they"]
    leaders = [(m.actor.code, m.actor.name) for m in ms if m.text == "The two leaders"]
    assert len(leaders) == 2 and they == leaders


def test_cities_code_to_their_country(resolver: ActorResolver) -> None:
    ms = run(resolver, "An Istanbul court jailed him. Shelling hit Aleppo.")
    assert [(m.text, m.actor.code, m.via) for m in ms] == [
        ("Istanbul court", "TURJUD", "city"),
        ("Aleppo", "SYR", "city"),
    ]


def test_branch_seat_keeps_its_sector(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Pentagon officials and FBI agents met.")) == [
        ("Pentagon officials", "USAMIL"),
        ("FBI agents", "USACOP"),
    ]


def test_mrs_trump_is_not_donald_trump(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Mrs Trump visited a school.", date(2019, 1, 1))) == []


def test_non_title_nouns_are_not_absorbed(resolver: ActorResolver) -> None:
    ms = run(resolver, "During his presidency Obama met a former Trump aide.", date(2019, 1, 1))
    assert [m.text for m in ms if m.via == "leader"] == ["Obama", "Trump"]


def test_out_of_office_person_takes_a_non_government_title(resolver: ActorResolver) -> None:
    ms = run(resolver, "Senator Marco Rubio criticized the deal.", date(2019, 3, 1))
    assert [(m.text, m.actor.code, m.actor.name) for m in ms] == [
        ("Senator Marco Rubio", "USALEG", "Marco Rubio")
    ]


def test_common_surname_needs_the_office_or_the_full_name(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "Miller said the ship was lost.", date(2019, 1, 10))) == []
    ms = run(resolver, "Matthew Miller spoke. Miller said no.", date(2024, 1, 10))
    assert [m.actor.code for m in ms if m.via == "leader"] == ["USAGOV", "USAGOV"]


def test_unknown_person_blocks_he(resolver: ActorResolver) -> None:
    ms = run(
        resolver,
        "President Vladimir Putin was told by minister Yevgeny Zinichev about the rescue. "
        "He said it would take a day.",
        date(2019, 1, 4),
    )
    assert anaphora(ms) == []


def test_plural_non_actor_subject_blocks_they(resolver: ActorResolver) -> None:
    ms = run(resolver, "Indonesian companies own ships. Ships broadcast their positions.")
    assert anaphora(ms) == []


def test_long_lists_are_not_they(resolver: ActorResolver) -> None:
    ms = run(resolver, "Russia, China, Japan, India and Mexico attended. They agreed.")
    assert anaphora(ms) == []


def test_georgia_in_us_politics_sentence(resolver: ActorResolver) -> None:
    ms = run(resolver, "It was backed by Senators Marco Rubio of Florida and David Perdue of Georgia.")
    assert all(m.actor.country != "GEO" for m in ms)


def test_news_agency_of_north_korea(resolver: ActorResolver) -> None:
    assert explicit(run(resolver, "The Korean Central News Agency said so.")) == [
        ("Korean Central News Agency", "PRKMED")
    ]
