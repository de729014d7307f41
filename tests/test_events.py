"""Event coder: tables, lexicon, and each grammatical construction on small parsed sentences.

Mentions are built by hand (``_mentions``) so these tests do not depend on the actors stage.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from realpolitik.errors import InputError
from realpolitik.events import EventCoder, cameo_code, default_coder, plover_for
from realpolitik.events.cameo import _read_tsv, cameo_table
from realpolitik.events.lexicon import patterns, transform
from realpolitik.models import Actor, Article, Event, Mention
from realpolitik.nlp import ParsedText, parse

# ----------------------------------------------------------------------------- helpers


def _mentions(parsed: ParsedText, spec: list[tuple[str, str]]) -> list[Mention]:
    """Mentions for every occurrence of each surface string: (text, actor code). The country is the
    code's first three letters unless the code starts with IGO/NGO. Several mentions may share tokens."""
    out: list[Mention] = []
    for sent in parsed.sentences:
        doc = sent.span.doc
        base = sent.span.start_char
        for surface, code in spec:
            for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", sent.text):
                span = doc.char_span(base + m.start(), base + m.end(), alignment_mode="expand")
                assert span is not None
                country = None if code[:3] in ("IGO", "NGO") else code[:3]
                out.append(
                    Mention(
                        text=surface,
                        start=sent.offset + base + m.start(),
                        end=sent.offset + base + m.end(),
                        sentence_index=sent.index,
                        token_start=span.start,
                        token_end=span.end,
                        actor=Actor(code=code, name=surface, country=country, sector=code[3:6] or None),
                    )
                )
    return out


def _code(nlp, text: str, spec: list[tuple[str, str]], day: date | None = None) -> list[Event]:
    parsed = parse(text, nlp=nlp)
    article = Article(id="t", text=text, date=day)
    return default_coder().code(parsed, _mentions(parsed, spec), article)


def _triples(events: list[Event], with_polarity: bool = False) -> set[tuple]:
    out = set()
    for e in events:
        t = e.target.country if e.target else None
        key = (e.source.country, t, e.cameo.root)
        out.add(key + (e.polarity,) if with_polarity else key)
    return out


def _one(events: list[Event], source: str, target: str | None) -> Event:
    hits = [
        e for e in events if e.source.country == source and (e.target.country if e.target else None) == target
    ]
    assert hits, f"no {source}->{target} event in {[(e.source.code, e.target, e.cameo.code) for e in events]}"
    return hits[0]


# ----------------------------------------------------------------------------- tables


def test_cameo_table_has_all_codes_and_fixed_rows() -> None:
    table = cameo_table()
    assert len(table) == 312
    assert cameo_code("163").name == "Impose embargo, boycott, or sanctions"
    assert cameo_code("163").goldstein == -8.0 and cameo_code("163").quad_class == 4
    assert cameo_code("044").name == "Meet at a 'third' location"  # mojibake repaired in the copy
    assert cameo_code("1213").goldstein == -4.0  # missing value filled from the ICEWS column
    assert cameo_code("051").root == "05"


def test_cameo_code_errors() -> None:
    with pytest.raises(KeyError):
        cameo_code("999")
    with pytest.raises(ValueError):
        cameo_code("abc")
    with pytest.raises(ValueError):
        cameo_code("1")


def test_plover_crosswalk_and_fallbacks() -> None:
    assert plover_for("163").event == "COERCE"
    assert plover_for("0841").event == "RETREAT" and plover_for("0841").mode == "release"
    assert plover_for("1823").event == "ASSAULT"  # not listed itself: falls back to its root's entry
    assert plover_for("0233").event == "REQUEST"  # appeals come from the supplement
    assert plover_for("010").event is None  # PLOVER has no statement category
    with pytest.raises(ValueError):
        plover_for("x1")


def test_lexicon_covers_every_root() -> None:
    roots = {p.code[:2] for rows in patterns().values() for p in rows if p.code}
    assert roots >= {f"{i:02d}" for i in range(1, 21)}


def test_lexicon_rows_are_valid_codes() -> None:
    for rows in patterns().values():
        for p in rows:
            for c in (p.code, p.mil_code):
                if c not in (None, "-"):
                    cameo_code(c)


def test_transforms() -> None:
    assert transform("042", "intent") == "036"  # will visit -> intent to meet
    assert transform("0871", "intent") == "0356"  # agree to a ceasefire
    assert transform("163", "threat") == "1312"  # threaten sanctions
    assert transform("010", "refuse") == "011"  # decline to comment
    assert transform("0841", "demand") == "1053"  # demand release
    assert transform("190", "demand") == "100"  # no specific code: the frame's default
    assert transform(None, "appeal") == "020"
    assert transform("111", "intent") is None  # a verbal act keeps its code


def test_bad_table_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\t3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _read_tsv(bad)
    assert err.value.line == 2 and "bad.tsv" in str(err.value)


# ----------------------------------------------------------------------------- constructions


def test_subject_verb_object(nlp) -> None:
    events = _code(nlp, "Russia criticized China on Monday.", [("Russia", "RUS"), ("China", "CHN")])
    e = _one(events, "RUS", "CHN")
    assert e.cameo.code == "111" and e.plover.event == "ACCUSE"
    assert e.trigger == "criticized" and e.sentence == "Russia criticized China on Monday."
    assert e.span == (0, len("Russia criticized China")) and e.polarity == "asserted"
    assert e.cameo.goldstein == -2.0 and e.cameo.quad_class == 3
    assert len(events) == 1


def test_passive_with_agent(nlp) -> None:
    events = _code(
        nlp, "Sanctions were imposed on Iran by Washington.", [("Iran", "IRN"), ("Washington", "USAGOV")]
    )
    assert _one(events, "USA", "IRN").cameo.code == "163"


def test_event_noun_with_owner_and_target(nlp) -> None:
    text = "Despite U.S. sanctions against Iran, trade grew."
    events = _code(nlp, text, [("U.S.", "USA"), ("Iran", "IRN")])
    e = _one(events, "USA", "IRN")
    assert e.cameo.code == "163" and e.trigger == "sanctions"


def test_conjoined_subjects_and_verbs(nlp) -> None:
    text = "China and Russia remain allies of Myanmar and accuse the United States of an economic coup."
    spec = [("China", "CHN"), ("Russia", "RUS"), ("Myanmar", "MMR"), ("United States", "USA")]
    got = _triples(_code(nlp, text, spec))
    assert {("CHN", "MMR", "05"), ("RUS", "MMR", "05"), ("CHN", "USA", "11"), ("RUS", "USA", "11")} <= got
    assert ("CHN", "RUS", "05") not in got


def test_reciprocal_meeting_of_coordinated_subject(nlp) -> None:
    events = _code(
        nlp,
        "Chinese and Russian leaders met in Beijing.",
        [("Chinese", "CHN"), ("Russian", "RUS"), ("Beijing", "CHNGOV")],
    )
    assert _triples(events) == {("CHN", "RUS", "04"), ("RUS", "CHN", "04")}  # Beijing is a place here


def test_own_country_left_out_of_a_compound_target(nlp) -> None:
    text = "Trump spurned a U.S.-China trade deal."
    parsed = parse(text, nlp=nlp)
    ms = _mentions(parsed, [("Trump", "USAGOV"), ("U.S.", "USA"), ("China", "CHN")])
    assert sum(1 for m in ms if m.token_start == ms[1].token_start) == 2  # two mentions, one token
    events = default_coder().code(parsed, ms, Article(id="t", text=text))
    assert _triples(events) == {("USA", "CHN", "12")}


def test_threaten_to_v_is_one_threat(nlp) -> None:
    events = _code(
        nlp, "Iran threatened to cut off electricity to Azerbaijan.", [("Iran", "IRN"), ("Azerbaijan", "AZE")]
    )
    assert _triples(events) == {("IRN", "AZE", "13")}
    assert events[0].cameo.code == "1311"


def test_decline_to_comment_on(nlp) -> None:
    text = "Putin declined to comment on Trump's decision to pull out of a nuclear treaty with Russia."
    spec = [("Putin", "RUSGOV"), ("Trump", "USAGOV"), ("Russia", "RUS")]
    events = _code(nlp, text, spec)
    assert _one(events, "RUS", "USA").cameo.code == "011"
    assert _one(events, "USA", "RUS").cameo.root == "16"  # the decision is an event of its own


def test_negation(nlp) -> None:
    events = _code(nlp, "Japan did not attend the summit with China.", [("Japan", "JPN"), ("China", "CHN")])
    assert _one(events, "JPN", "CHN").polarity == "negated"


def test_future_cooperation_is_intent(nlp) -> None:
    e = _one(
        _code(nlp, "Germany will visit Albania in June.", [("Germany", "DEU"), ("Albania", "ALB")]),
        "DEU",
        "ALB",
    )
    assert e.cameo.code == "036" and e.modality == "intended"


def test_pledge_aid_is_intent(nlp) -> None:
    e = _one(_code(nlp, "Japan pledged aid to Nepal.", [("Japan", "JPN"), ("Nepal", "NPL")]), "JPN", "NPL")
    assert e.cameo.root == "03" and e.modality == "intended"


def test_hypothetical(nlp) -> None:
    e = _one(_code(nlp, "Israel could attack Iran.", [("Israel", "ISR"), ("Iran", "IRN")]), "ISR", "IRN")
    assert e.modality == "hypothetical"


def test_conditional_commitment_is_threat(nlp) -> None:
    text = "Nigeria will withdraw its troops from Chad unless Chad holds elections."
    events = _code(nlp, text, [("Nigeria", "NGA"), ("Chad", "TCD")])
    assert ("NGA", "TCD", "13") in _triples(events)


def test_will_not_is_refusal(nlp) -> None:
    events = _code(nlp, "Germany will not meet Russian demands.", [("Germany", "DEU"), ("Russian", "RUS")])
    assert _triples(events, with_polarity=True) == {("DEU", "RUS", "12", "asserted")}


def test_said_must_is_demand(nlp) -> None:
    text = "Russia said on Tuesday that Sudan must return the helicopter."
    events = _code(nlp, text, [("Russia", "RUS"), ("Sudan", "SDN")])
    assert _triples(events) == {("RUS", "SDN", "10")}
    assert events[0].cameo.code == "1053"


def test_urge_object_control(nlp) -> None:
    events = _code(nlp, "Japan urged China to release the sailors.", [("Japan", "JPN"), ("China", "CHN")])
    assert _triples(events) == {("JPN", "CHN", "02")}  # the release did not happen


def test_light_verb_and_event_noun(nlp) -> None:
    events = _code(nlp, "Russia expressed its support for Syria.", [("Russia", "RUS"), ("Syria", "SYR")])
    assert _triples(events) == {("RUS", "SYR", "05")}
    assert events[0].trigger == "expressed support"
    assert (
        events[0].confidence
        < _one(
            _code(nlp, "Russia supports Syria.", [("Russia", "RUS"), ("Syria", "SYR")]), "RUS", "SYR"
        ).confidence
    )


def test_accusation_and_reported_event(nlp) -> None:
    text = "China accused the United States of attacking Iran."
    events = _code(nlp, text, [("China", "CHN"), ("United States", "USA"), ("Iran", "IRN")])
    assert _one(events, "CHN", "USA").cameo.code == "112"
    reported = _one(events, "USA", "IRN")
    assert reported.modality == "reported" and reported.cameo.root in ("18", "19")


def test_attribution(nlp) -> None:
    e = _one(
        _code(nlp, "Russia criticized China, officials said.", [("Russia", "RUS"), ("China", "CHN")]),
        "RUS",
        "CHN",
    )
    assert e.attribution == "officials"
    e = _one(
        _code(nlp, "According to Reuters, Russia criticized China.", [("Russia", "RUS"), ("China", "CHN")]),
        "RUS",
        "CHN",
    )
    assert e.attribution == "Reuters"


def test_anaphora_mentions_on_one_token(nlp) -> None:
    text = "They expressed their support for Xi's plan."
    events = _code(nlp, text, [("They", "CHN"), ("They", "RUS"), ("Xi", "CHNGOV")])
    assert _triples(events) == {("RUS", "CHN", "05")}  # CHN -> CHN is no event


def test_military_source_makes_killing_a_fight(nlp) -> None:
    e = _one(
        _code(nlp, "Russian aircraft killed 46 Afghan civilians.", [("Russian", "RUS"), ("Afghan", "AFG")]),
        "RUS",
        "AFG",
    )
    assert e.cameo.root == "19"


def test_every_event_is_well_formed(nlp) -> None:
    text = (
        "Chinese and Russian leaders met in Beijing this weekend to strengthen their relationship. "
        "Trump has criticized Moscow over its role in Ukraine and spurned a U.S.-China trade deal."
    )
    spec = [
        ("Chinese", "CHN"),
        ("Russian", "RUS"),
        ("Beijing", "CHNGOV"),
        ("their", "CHN"),
        ("their", "RUS"),
        ("Trump", "USAGOV"),
        ("Moscow", "RUSGOV"),
        ("Ukraine", "UKR"),
        ("U.S.", "USA"),
        ("China", "CHN"),
    ]
    events = _code(nlp, text, spec, day=date(2019, 5, 6))
    assert events
    for e in events:
        assert 0.0 <= e.confidence <= 1.0
        assert text[e.span[0] : e.span[1]]
        assert e.sentence in text
        d = e.to_dict()
        assert d["cameo"]["code"] == e.cameo.code and d["event_id"] == e.event_id
    assert len({e.event_id for e in events}) == len(events)


def test_no_mentions_no_events(nlp) -> None:
    parsed = parse("The weather was fine and nobody met anyone.", nlp=nlp)
    assert EventCoder().code(parsed, [], Article(id="t", text=parsed.text)) == []


def test_default_coder_is_cached() -> None:
    assert default_coder() is default_coder()


# ----------------------------------------------------------------------------- events without a target


def test_unresolved_target_gives_an_event_without_target(nlp) -> None:
    """ "the rebels" is no mention here: the appeal stands, with no target and a lower confidence."""
    untargeted = _code(nlp, "Japan urged the rebels to lay down their arms.", [("Japan", "JPN")])
    assert [(e.source.country, e.target, e.cameo.root) for e in untargeted] == [("JPN", None, "02")]
    targeted = _one(
        _code(nlp, "Japan urged China to lay down its arms.", [("Japan", "JPN"), ("China", "CHN")]),
        "JPN",
        "CHN",
    )
    assert targeted.cameo.code == untargeted[0].cameo.code
    assert untargeted[0].confidence < targeted.confidence


def test_own_country_as_target_leaves_the_event_untargeted(nlp) -> None:
    text = "Serbian President Kostunica promised to democratize Serbia."
    events = _code(nlp, text, [("Serbian President Kostunica", "SRBGOV"), ("Serbia", "SRB")])
    assert [(e.source.code, e.target, e.cameo.root) for e in events] == [("SRBGOV", None, "03")]


def test_standalone_event_noun_still_needs_a_target(nlp) -> None:
    assert _code(nlp, "Despite U.S. sanctions, trade grew.", [("U.S.", "USA")]) == []


def test_untargeted_violence_ranks_above_untargeted_cooperation(nlp) -> None:
    """Roots that CAMEO codes without a target (17-20...) keep the higher untargeted confidence."""
    arrest = _code(nlp, "The Egyptian police arrested 12 people.", [("Egyptian police", "EGYCOP")])
    fund = _code(nlp, "The Egyptian police funded 12 people.", [("Egyptian police", "EGYCOP")])
    assert arrest[0].cameo.root == "17" and fund[0].cameo.root == "07"
    assert arrest[0].target is None and fund[0].target is None
    assert arrest[0].confidence > fund[0].confidence


# ------------------------------------------------------------------ consider frame, wider lexicon


def test_considering_an_option_is_014_not_the_option(nlp) -> None:
    spec = [("Japan", "JPN"), ("Iran", "IRN")]
    for text in (
        "Japan is considering sanctions against Iran.",
        "Japan is considering imposing sanctions on Iran.",
    ):
        events = _code(nlp, text, spec)
        assert [(e.source.country, e.target.country if e.target else None, e.cameo.code) for e in events] == [
            ("JPN", "IRN", "014")
        ], text


@pytest.mark.parametrize(
    ("text", "spec", "code"),
    [
        ("Egypt outlawed the opposition party.", [("Egypt", "EGY")], "1722"),
        ("Russia funded the rebels in Syria.", [("Russia", "RUS")], "071"),
        ("The Egyptian president resigned on Friday.", [("Egyptian president", "EGYGOV")], "0831"),
        ("Kenyan police dispersed the protesters.", [("Kenyan police", "KENCOP")], "175"),
        ("Turkey declared a state of emergency.", [("Turkey", "TUR")], "1724"),
        ("Pakistan imposed martial law.", [("Pakistan", "PAK")], "1724"),
        ("The rebels blew up a bridge in Chad.", [("Chad", "TCD"), ("The rebels", "REB")], "1712"),
        ("Germany revoked the ban on the party.", [("Germany", "DEU")], "081"),
    ],
)
def test_wider_lexicon_rows(nlp, text: str, spec: list[tuple[str, str]], code: str) -> None:
    events = _code(nlp, text, spec)
    assert [e.cameo.code for e in events] == [code], [(e.cameo.code, e.trigger) for e in events]


def test_a_march_by_troops_is_no_demonstration(nlp) -> None:
    civil = _code(
        nlp, "Students marched against the government.", [("Students", "EDU"), ("government", "GOV")]
    )
    assert [e.cameo.code for e in civil] == ["141"]
    troops = _code(nlp, "Russian troops marched on Kyiv.", [("Russian troops", "RUSMIL"), ("Kyiv", "UKR")])
    assert all(e.cameo.root != "14" for e in troops)


# ----------------------------------------------------------------------------- grammar added for issue #4


def test_wanting_another_actor_to_act_is_an_appeal(nlp) -> None:
    spec = [("Russia", "RUS"), ("China", "CHN")]
    assert _triples(_code(nlp, "Russia wants China to sign a treaty.", spec)) == {("RUS", "CHN", "02")}
    own = _code(nlp, "Russia wants to sign a treaty with China.", spec)
    assert _triples(own) == {("RUS", "CHN", "03")} and own[0].modality == "intended"
    assert _code(nlp, "Russia wants peace with China.", spec) == []  # a wish alone is no event
    aside = _code(
        nlp,
        "The United States wants the Iraqi president to step aside.",
        [("United States", "USA"), ("Iraqi president", "IRQGOV")],
    )
    assert _triples(aside) == {("USA", "IRQ", "02")} and aside[0].modality == "actual"


def test_responsible_for_and_guilty_of_lend_their_subject(nlp) -> None:
    spec = [("Sudan's government", "SDNGOV"), ("Darfur", "SDN")]
    events = _code(nlp, "Sudan's government is responsible for mass killings in Darfur.", spec)
    assert [(e.source.code, e.cameo.root) for e in events] == [("SDNGOV", "20")]
    events = _code(
        nlp, "The Nepalese army is guilty of violating the ceasefire.", [("Nepalese army", "NPLMIL")]
    )
    assert [(e.source.code, e.cameo.code) for e in events] == [("NPLMIL", "196")]


def test_to_infinitive_parsed_as_adverbial_is_still_the_complement(nlp) -> None:
    events = _code(nlp, "Ethnic Albanians have sworn to fight until they win.", [("Albanians", "ALB")])
    assert [e.cameo.root for e in events] == ["13"]  # a vow to fight is a threat


def test_purpose_clause_event_ranks_below_the_main_event(nlp) -> None:
    text = "Egyptian police opened fire to disperse the protesters."
    events = _code(nlp, text, [("Egyptian police", "EGYCOP"), ("protesters", "CVL")])
    assert {e.cameo.root for e in events} == {"19", "17"}
    assert max(events, key=lambda e: e.confidence).cameo.root == "19"


def test_preparing_coercion_is_a_threat_preparing_attack_a_posture(nlp) -> None:
    coerce = _code(nlp, "Iraq is prepared to impose martial law.", [("Iraq", "IRQ")])
    assert [e.cameo.root for e in coerce] == ["13"]
    spec = [("Russia", "RUS"), ("Ukraine", "UKR")]
    attack = _code(nlp, "Russia is preparing to attack Ukraine.", spec)
    assert _triples(attack) == {("RUS", "UKR", "15")}


def test_counted_object_after_up_to(nlp) -> None:
    text = "Afghan rebels have kidnapped up to 16 Soviet advisers."
    events = _code(nlp, text, [("Afghan rebels", "AFGREB"), ("Soviet", "RUS")])
    assert _triples(events) == {("AFG", "RUS", "18")}


def test_seeking_aid_is_an_appeal_not_an_offer(nlp) -> None:
    events = _code(nlp, "Sudan sought aid from Japan.", [("Sudan", "SDN"), ("Japan", "JPN")])
    assert [(e.source.country, e.target.country, e.cameo.code) for e in events] == [("SDN", "JPN", "023")]


def test_object_of_a_verb_pattern_is_not_an_event_of_its_own(nlp) -> None:
    """ "rejected X's demand to sever ties with Y": one rejection; neither the demand nor the severing."""
    text = "South Korea rejected North Korea's demand to sever its alliance with Washington."
    spec = [("South Korea", "KOR"), ("North Korea", "PRK"), ("Washington", "USAGOV")]
    assert _triples(_code(nlp, text, spec)) == {("KOR", "PRK", "12")}
    lifted = _code(nlp, "The EU lifted its sanctions on Iran.", [("EU", "IGOEUREEC"), ("Iran", "IRN")])
    assert [e.cameo.code for e in lifted] == ["085"]


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        (
            "Japan demanded the release of the Chinese sailors.",
            [("Japan", "JPN"), ("Chinese", "CHN")],
            "1053",
        ),
        ("Trump launched a scathing attack on China.", [("Trump", "USAGOV"), ("China", "CHN")], "111"),
        ("Russia expressed outrage at the strike.", [("Russia", "RUS")], "111"),
        (
            "Israel announced the release of 100 Palestinian prisoners.",
            [("Israel", "ISR"), ("Palestinian", "PSE")],
            "0841",
        ),
    ],
)
def test_event_nouns_after_petrarch_patterns(
    nlp, text: str, spec: list[tuple[str, str]], expected: str
) -> None:
    events = _code(nlp, text, spec)
    assert [e.cameo.code for e in events][:1] == [expected], [(e.cameo.code, e.trigger) for e in events]


def test_explain_reports_why_a_sentence_has_no_event(nlp) -> None:
    text = "The rebels appealed to Sudan for help."
    parsed = parse(text, nlp=nlp)
    infos = default_coder().explain(parsed.sentences[0], _mentions(parsed, [("Sudan", "SDN")]))
    appeal = [i for i in infos if i.trigger == "appealed"]
    assert appeal and appeal[0].code is not None and appeal[0].live
    assert appeal[0].sources == 0 and appeal[0].targets == 1  # "the rebels" is no mention: no source
    assert (
        default_coder().code(parsed, _mentions(parsed, [("Sudan", "SDN")]), Article(id="t", text=text)) == []
    )


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        ("Hamas claimed the attack on Israel.", [("Hamas", "PSEREB"), ("Israel", "ISR")], "015"),
        ("The court acquitted the opposition leader.", [("court", "ZWEJUD")], "081"),
        ("Washington slapped sanctions on Iran.", [("Washington", "USAGOV"), ("Iran", "IRN")], "163"),
        ("Serbian forces besieged the town.", [("Serbian forces", "SRBMIL")], "191"),
        ("Iran rejected talks with the United States.", [("Iran", "IRN"), ("United States", "USA")], "125"),
        ("The two sides exchanged prisoners.", [("two sides", "IGO")], "0841"),
    ],
)
def test_rows_from_petrarch_blocks(nlp, text: str, spec: list[tuple[str, str]], expected: str) -> None:
    events = _code(nlp, text, spec)
    assert expected in [e.cameo.code for e in events], [(e.cameo.code, e.trigger) for e in events]


def test_state_of_siege_is_an_emergency_a_siege_is_a_blockade(nlp) -> None:
    spec = [("military government", "HTIGOV"), ("Haiti", "HTI")]
    events = _code(nlp, "The military government declared a state of siege in Haiti.", spec)
    assert [e.cameo.code for e in events] == ["1724"]
    laid = _code(
        nlp, "Serbian forces laid siege to Sarajevo.", [("Serbian forces", "SRBMIL"), ("Sarajevo", "BIH")]
    )
    assert all(e.cameo.code != "1724" for e in laid)


def test_has_to_in_a_statement_is_a_demand_needs_to_an_appeal(nlp) -> None:
    spec = [("Russia", "RUS"), ("Sudan", "SDN")]
    must = _code(nlp, "Russia told Sudan that Sudan has to return the helicopter.", spec)
    assert ("RUS", "SDN", "10") in _triples(must)
    need = _code(nlp, "Russia told Sudan that Sudan needs to return the helicopter.", spec)
    assert ("RUS", "SDN", "02") in _triples(need)  # necessity, not obligation: CAMEO 024x "appeal for"
    # "would need to" predicts; it asks nothing of anyone
    would = _code(nlp, "Russia said that Sudan would need to return the helicopter.", spec)
    assert not any(e.cameo.root in ("02", "10") for e in would)


# ----------------------------------------------------------------------------- second pass for issue #4


@pytest.mark.parametrize(
    ("text", "spec", "code"),
    [
        ("Chile rejected as baseless accusations by Peru.", [("Chile", "CHL"), ("Peru", "PER")], "016"),
        ("Rebels let free three Kenyan hostages.", [("Rebels", "REB"), ("Kenyan", "KEN")], "0841"),
        ("Serbian troops forced out thousands of villagers.", [("Serbian troops", "SRBMIL")], "201"),
        ("Sudan forced the aid agency out of Darfur.", [("Sudan", "SDN")], "166"),
        ("Iraqi troops held foreign workers as human shields.", [("Iraqi troops", "IRQMIL")], "184"),
        ("Dock workers in Chile stopped work on Monday.", [("Dock workers in Chile", "CHLLAB")], "143"),
        ("Police in Cairo prevented a demonstration.", [("Police in Cairo", "EGYCOP")], "170"),
        (
            "Chad allowed the Sudanese envoy to return.",
            [("Chad", "TCD"), ("Sudanese envoy", "SDNGOV")],
            "080",
        ),
        ("Laos received a team of inspectors.", [("Laos", "LAO")], "0862"),
        ("Ghana denied permission for the rally.", [("Ghana", "GHA")], "120"),
        ("The governor ordered patrols in the capital.", [("governor", "NGAGOV")], "153"),
    ],
)
def test_second_pass_lexicon_rows(nlp, text: str, spec: list[tuple[str, str]], code: str) -> None:
    events = _code(nlp, text, spec)
    assert code in [e.cameo.code for e in events], [(e.cameo.code, e.trigger) for e in events]


def test_withdrawing_inspectors_is_166_announced_it_is_a_threat(nlp) -> None:
    spec = [("Ukraine", "UKR"), ("Moldova", "MDA")]
    done = _code(nlp, "Ukraine withdrew its observers from Moldova.", spec)
    assert [(e.target.country if e.target else None, e.cameo.code) for e in done] == [("MDA", "1662")]
    will = _code(nlp, "Ukraine said it will withdraw its observers from Moldova.", spec)
    assert [e.cameo.root for e in will] == ["13"]


def test_agreeing_that_something_is_so_is_accord_not_intent(nlp) -> None:
    spec = [("Kenya", "KEN"), ("Uganda", "UGA")]
    accord = _code(nlp, "Kenya and Uganda agreed that the border dispute was serious.", spec)
    assert {e.cameo.code for e in accord} == {"019"}
    commit = _code(nlp, "Kenya and Uganda agreed that their armies should cooperate.", spec)
    assert {e.cameo.root for e in commit} == {"03"}


def test_is_committed_to_is_an_intent_even_with_no_coded_act(nlp) -> None:
    events = _code(nlp, "Peru is committed to opening up its mines.", [("Peru", "PER")])
    assert [e.cameo.root for e in events] == ["03"]


def test_a_cooperative_act_on_an_if_is_an_offer_on_an_unless_a_threat(nlp) -> None:
    spec = [("Rebel leaders", "AFGREB"), ("Pakistan", "PAK")]
    offer = _code(nlp, "Rebel leaders said they would meet Pakistan if it stopped the raids.", spec)
    assert [e.cameo.root for e in offer] == ["03"]
    threat = _code(nlp, "Rebel leaders said they would withdraw from Pakistan unless it paid them.", spec)
    assert [e.cameo.root for e in threat] == ["13"]


def test_appeals_to_back_or_oppose_a_third_actor_rally(nlp) -> None:
    spec = [("Sweden", "SWE"), ("EU", "IGOEUREEC"), ("Kosovo", "XKX"), ("Iran", "IRN")]
    support = _code(nlp, "Sweden urged the EU to support Kosovo.", spec)
    assert [(e.target.country, e.cameo.code) for e in support] == [("XKX", "053")]
    oppose = _code(nlp, "Sweden called for sanctions against Iran.", spec)
    assert [(e.target.country, e.cameo.code) for e in oppose] == [("IRN", "113")]
    # what the addressee itself is to do stays an appeal to it
    appeal = _code(nlp, "Sweden urged Iran to release the prisoners.", spec)
    assert [(e.target.country, e.cameo.root) for e in appeal] == [("IRN", "02")]


def test_unattributed_assault_takes_the_place_as_source(nlp) -> None:
    spec = [("Canadian soldiers", "CANMIL"), ("Kandahar", "AFG")]
    events = _code(nlp, "Two Canadian soldiers were killed by a roadside bomb near Kandahar.", spec)
    assert _triples(events) == {("AFG", "CAN", "18")}
    assert events[0].confidence < 0.7  # the weakest reading
    # a named attacker is the source; the place is not
    spec.append(("Taliban fighters", "AFGREB"))
    named = _code(nlp, "Taliban fighters killed two Canadian soldiers near Kandahar.", spec)
    assert {e.source.code for e in named} == {"AFGREB"}


def test_acting_phrase_constraints(nlp) -> None:
    bombers = _code(
        nlp, "Two suicide bombers killed nine people in Baghdad.", [("suicide bombers", "IRQUAF")]
    )
    assert [e.cameo.code for e in bombers] == ["1831"]
    spec = [("Nepali peacekeepers", "NPLMIL"), ("Haiti", "HTI")]
    arrived = _code(nlp, "A first group of Nepali peacekeepers arrived in Haiti.", spec)
    assert [(e.source.country, e.target.country, e.cameo.code) for e in arrived] == [("HTI", "NPL", "0861")]


def test_making_weapons_is_no_use_of_them(nlp) -> None:
    events = _code(nlp, "Syria is manufacturing chemical weapons.", [("Syria", "SYR")])
    assert all(e.cameo.root != "20" for e in events)


def test_main_clause_event_outranks_a_subordinate_one(nlp) -> None:
    text = (
        "Students rioted in Dhaka on Monday, joining workers in demanding higher wages from the government."
    )
    events = _code(nlp, text, [("Students", "EDU"), ("Dhaka", "BGD"), ("government", "BGDGOV")])
    assert max(events, key=lambda e: e.confidence).cameo.root == "14", [
        (e.cameo.code, e.trigger, e.confidence) for e in events
    ]


def test_allowing_needs_an_actor_allowed(nlp) -> None:
    assert _code(nlp, "Chad allowed the files to be kept.", [("Chad", "TCD")]) == []


def test_threatened_act_in_a_country_targets_it(nlp) -> None:
    spec = [("Hezbollah", "LBNREB"), ("Israel", "ISR")]
    events = _code(nlp, "Hezbollah threatened to resume operations in Israel.", spec)
    assert _triples(events) == {("LBN", "ISR", "13")}


def test_embargo_on_sales_to_a_country_targets_it(nlp) -> None:
    spec = [("EU", "IGOEUREEC"), ("Libya", "LBY")]
    events = _code(nlp, "The EU lifted its embargo on arms sales to Libya.", spec)
    assert [(e.target.country if e.target else None, e.cameo.code) for e in events] == [("LBY", "085")]


def test_events_of_a_sentence_come_in_sentence_order(nlp) -> None:
    """The targets of an event noun are looked for from its head words in sentence order: a set
    of spaCy tokens iterates in an order that changes from parse to parse, and it decided which
    event came first."""
    text = (
        "Obama's visit will conclude Tuesday with a televised speech to the Cuban people, "
        "attendance at a baseball game, and a possible meeting with political dissidents."
    )
    spec = [("Obama", "USAGOV"), ("Cuban people", "CUBCVL"), ("dissidents", "OPP")]
    for _ in range(8):  # each parse is a new Doc, hashed afresh
        events = _code(nlp, text, spec)
        assert [e.target.text for e in events if e.target] == ["Cuban people", "dissidents"]


def test_children_cache_is_per_thread(nlp) -> None:  # type: ignore[no-untyped-def]
    """syntax.cached_children keeps a Doc's children while it is coded; the REST API may code
    two articles in two threads at once, and each thread keeps (and reads) only its own Doc's."""
    import threading

    from realpolitik.events.syntax import cached_children, children_of

    a = nlp("China criticized Japan.")
    b = nlp("Russia and Iran signed a long treaty on Monday in Tehran.")
    inside, done = threading.Event(), threading.Event()
    other: dict[str, object] = {}

    def code_b() -> None:
        with cached_children(b):
            other["first"] = children_of(b[3])
            inside.set()
            done.wait(10)
            other["again"] = children_of(b[3])

    thread = threading.Thread(target=code_b)
    with cached_children(a):
        thread.start()
        assert inside.wait(10)
        # the other thread is inside its own block: this one's cache still serves this Doc
        first = children_of(a[1])
        assert [t.text for t in first] == ["China", "Japan", "."]
        assert children_of(a[1]) is first
        done.set()
        thread.join(10)
    assert other["again"] is other["first"]
    assert [t.text for t in other["first"]] == ["Russia", "treaty", "on", "in", "."]  # type: ignore[attr-defined]
    assert not isinstance(children_of(a[1]), list)  # outside any block: spaCy's own children
