"""The actor knowledge base's data files: complete, consistent, loadable."""

from __future__ import annotations

from datetime import date

import pycountry
import pytest

from realpolitik.actors import KnowledgeBase
from realpolitik.actors import kb as kbmod
from realpolitik.actors.kb import code_country
from realpolitik.errors import InputError


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_every_un_member_and_observer_plus_territories(kb: KnowledgeBase) -> None:
    statuses = [c.status for c in kb.countries.values()]
    assert statuses.count("member") == 193
    assert statuses.count("observer") == 2  # Holy See, Palestine
    for iso3 in ("TWN", "XKX", "PSE", "HKG", "VAT"):
        assert iso3 in kb.countries


def test_iso3_codes_are_real(kb: KnowledgeBase) -> None:
    for iso3 in kb.countries:
        if iso3 == "XKX":  # Kosovo: no ISO code; XKX as used by the EU and IMF
            continue
        assert pycountry.countries.get(alpha_3=iso3) is not None, iso3


def test_seats_cities_and_offices_point_to_known_countries(kb: KnowledgeBase) -> None:
    for form, code, conf in kb.seats:
        assert code[:3] in kb.countries and 0 < conf <= 1, form
    for form, iso3 in kb.cities:
        assert iso3 in kb.countries, form
    for person in kb.persons.values():
        assert person.nationality in kb.countries, person.name
        for office in person.offices:
            country, sector = code_country(office.code)
            assert country is None or country in kb.countries, (person.name, office.code)
            assert office.end is None or office.start < office.end, (person.name, office)


def test_sector_codes_have_labels(kb: KnowledgeBase) -> None:
    for phrase, rule in kb.sectors.items():
        assert rule.sector in kb.sector_labels, phrase


def test_organisation_codes(kb: KnowledgeBase) -> None:
    assert kb.actor("IGOUNO").name == "United Nations"
    assert kb.actor("IGOWSTNAT").name == "NATO"
    assert kb.actor("IGOEUREEC").kind == "igo"
    hamas = kb.actor("PSEREBHMS")
    assert (hamas.country, hamas.sector, hamas.kind) == ("PSE", "REB", "armed_group")
    isis = kb.actor("IMGMOSISI")
    assert (isis.country, isis.kind) == (None, "armed_group")


def test_g20_p5_and_gold_countries_have_leaders(kb: KnowledgeBase) -> None:
    g20 = "ARG AUS BRA CAN CHN FRA DEU IND IDN ITA JPN KOR MEX RUS SAU ZAF TUR GBR USA".split()
    seed = "MMR SDN NER PRK UKR SYR IRN".split()
    for iso3 in g20 + seed:
        assert kb.office_holder(iso3, "leader", date(2019, 6, 1)) is not None, iso3
    for iso3 in g20:
        assert kb.office_holder(iso3, "leader", date(1995, 6, 1)) is not None, iso3


def test_office_holder_is_time_aware(kb: KnowledgeBase) -> None:
    assert kb.office_holder("USA", "head_of_state", date(2018, 1, 1)).name == "Donald Trump"
    assert kb.office_holder("USA", "head_of_state", date(2022, 1, 1)).name == "Joe Biden"
    assert kb.office_holder("GBR", "leader", date(2005, 1, 1)).name == "Tony Blair"
    assert kb.office_holder("IRN", "president", date(2015, 1, 1)).name == "Hassan Rouhani"
    assert kb.office_holder("RUS", "foreign_minister", None).name == "Sergei Lavrov"


def test_person_actor_in_and_out_of_office(kb: KnowledgeBase) -> None:
    trump = kb.persons["Donald Trump|USA"]
    assert trump.actor(date(2018, 1, 1)).code == "USAGOV"
    assert trump.actor(date(2022, 1, 1)).code == "USA"
    assert trump.actor(date(2025, 2, 1)).code == "USAGOV"
    assert trump.actor(None).code == "USAGOV"
    assert trump.actor(date(2018, 1, 1), former=True).code == "USA"


def test_bad_data_file_raises_input_error_with_line(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    bad = tmp_path / "countries.tsv"
    monkeypatch.setattr(kbmod, "DATA_DIR", tmp_path)
    # Missing trailing fields are empty; too many fields are an error naming the line.
    bad.write_text("# header\nCHN\tChina\n", encoding="utf-8")
    assert list(kbmod._rows("countries.tsv", 3)) == [(2, ["CHN", "China", ""])]
    bad.write_text("CHN\tChina\tmember\textra\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(kbmod._rows("countries.tsv", 3))
    assert err.value.line == 1
    with pytest.raises(InputError):
        list(kbmod._rows("missing.tsv", 3))
