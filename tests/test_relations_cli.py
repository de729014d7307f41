"""The relations commands end to end: a DuckDB store filled with hand-built articles and events,
the commands registered on a fresh Typer app and run with CliRunner."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from realpolitik.models import ActorRef, Article, CameoCode, Event, PloverType
from realpolitik.relations.commands import register
from realpolitik.relations.export import gdelt_columns
from realpolitik.store import open_store

NAMES = {"USA": "United States", "CHN": "China", "RUS": "Russia", "GBR": "United Kingdom", "IRN": "Iran"}
CODES = {1: ("042", 1.9), 2: ("061", 6.4), 3: ("112", -2.0), 4: ("163", -8.0)}


def ref(code: str) -> ActorRef:
    c = code[:3]
    return ActorRef(NAMES[c], code, c, code[3:] or None, NAMES[c])


def event(doc: str, i: int, src: str, tgt: str, quad: int, when: date, negated: bool = False) -> Event:
    code, g = CODES[quad]
    return Event(
        doc_id=doc,
        sentence_index=i,
        span=(10 * i, 10 * i + 5),
        sentence=f"{NAMES[src[:3]]} and {NAMES[tgt[:3]]} ({code}).",
        date=when,
        source=ref(src),
        target=ref(tgt),
        cameo=CameoCode(code, code[:2], f"CAMEO {code}", g, quad),
        plover=PloverType("CONSULT" if quad < 3 else "SANCTION", None),
        polarity="negated" if negated else "asserted",
        trigger="x",
    )


def fill(db: Path) -> None:
    d0 = date(2024, 1, 1)
    with open_store(db) as store:
        # 30 days of calm USA-CHN visits, then a day of sanctions: a shift.
        for k in range(30):
            when = d0 + timedelta(days=k)
            doc = f"calm{k}"
            store.save_article(
                Article(doc, "Leaders of the United States and China met.", f"US and China meet ({k})", when),
                [],
                [event(doc, 0, "USA", "CHN", 1, when)],
            )
        storm = d0 + timedelta(days=30)
        store.save_article(
            Article(
                "storm",
                "China sanctions the United States. Russia backs China.",
                "China sanctions US",
                storm,
                url="https://example.test/storm",
            ),
            [],
            [
                event("storm", 0, "CHNGOV", "USA", 4, storm),
                event("storm", 1, "CHN", "USA", 4, storm),
                event("storm", 2, "RUS", "CHN", 2, storm),
                event("storm", 3, "RUS", "CHN", 1, storm, negated=True),
            ],
        )
        store.save_article(
            Article("allies", "Britain and the US agreed; Iran and Russia agreed.", "Allies agree", storm),
            [],
            [
                event("allies", 0, "GBR", "USA", 2, storm),
                event("allies", 1, "IRN", "RUS", 2, storm),
                event("allies", 2, "IRN", "USA", 3, storm),
                event("allies", 3, "GBR", "RUS", 3, storm),
            ],
        )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("relations") / "store.duckdb"
    fill(path)
    return str(path)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer(pretty_exceptions_enable=False)
    register(a)
    return a


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_relations_dyad(app: typer.Typer, db: str) -> None:
    code, out, _ = run(app, "relations", "CHN", "USA", "--db", db, "--freq", "month", "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    # One month: 30 visits (+1.9 each, Jan 1-30) and two sanctions (-8 each, Jan 31).
    assert [r["period"][:7] for r in rows] == ["2024-01"]
    jan = rows[0]
    assert jan["events"] == 32 and jan["q1"] == 30 and jan["q4"] == 2
    assert jan["goldstein_sum"] == pytest.approx(30 * 1.9 - 16.0)
    assert len(jan["event_ids"]) == 32 and "storm" in jan["doc_ids"]
    code, out, _ = run(app, "relations", "CHNGOV", "USA", "--db", db, "--directed", "--format", "csv")
    assert code == 0
    df = pd.read_csv(pd.io.common.StringIO(out))
    assert dict(zip(df["direction"], df["events"], strict=True)) == {"CHNGOV->USA": 1, "USA->CHNGOV": 0}
    code, out, _ = run(app, "relations", "CHN", "RUS", "--db", db, "--events", "--format", "json")
    evs = json.loads(out)
    assert len(evs) == 1 and evs[0]["quad_class"] == 2  # the negated one never shows
    code, out, _ = run(app, "relations", "CHN", "USA", "--db", db)
    assert code == 0 and "CHN and USA per month" in out


def test_network_formats(app: typer.Typer, db: str, tmp_path: Path) -> None:
    code, out, _ = run(app, "network", "--db", db, "--format", "json")
    assert code == 0
    g = nx.node_link_graph(json.loads(out), edges="links")
    # CHN-RUS: one material cooperation -> +1; CHN-USA: 30 coop, 2 conflict -> 28/32.
    assert g.edges["CHN", "RUS"]["weight"] == 1.0
    assert g.edges["CHN", "USA"]["weight"] == pytest.approx(28 / 32)
    target = tmp_path / "net.gexf"
    code, _, err = run(app, "network", "--db", db, "--window", "1d", "--format", "gexf", "-o", str(target))
    assert code == 0 and "edges" in err
    g = nx.read_gexf(target)
    assert float(g.edges["CHN", "USA"]["weight"]) == -1.0  # on Jan 31 only the sanctions
    code, _, err = run(app, "network", "--db", db, "--format", "graphml")
    assert code == 1 and "--output" in err
    code, _, _ = run(app, "network", "--db", db, "--window", "ninety")
    assert code == 2


def test_blocs_alignment_shifts(app: typer.Typer, db: str) -> None:
    code, out, _ = run(app, "blocs", "--db", db, "--window", "1y", "--format", "json")
    assert code == 0
    blocs = {r["node"]: r["bloc"] for r in json.loads(out)}
    assert blocs["GBR"] == blocs["USA"] != blocs["CHN"] == blocs["RUS"] == blocs["IRN"]
    code, out, _ = run(app, "blocs", "--db", db, "--window", "30d", "--step", "10d", "--stability")
    assert code == 0 and "Blocs in 30d windows" in out
    code, out, _ = run(app, "alignment", "--db", db, "--poles", "USA", "CHN,RUS", "--format", "json")
    assert code == 0
    align = {r["state"]: r["alignment"] for r in json.loads(out)}
    assert align == {"GBR": 1.0, "IRN": -1.0}  # GBR: coop USA, conflict RUS; IRN the reverse
    code, out, _ = run(app, "alignment", "--db", db, "--freq", "month")
    assert code == 0 and "Influence" in out and "trend" in out
    code, _, err = run(app, "alignment", "--db", db, "--poles", "USA", "USA")
    assert code == 2
    code, out, _ = run(app, "shifts", "--db", db, "--format", "json", "--min-events", "2")
    assert code == 0
    alerts = json.loads(out)
    assert len(alerts) == 1 and (alerts[0]["a"], alerts[0]["b"]) == ("CHN", "USA")
    # 30 days of +1.9 (std 0, floored at 1), then -16: z = -16 - 1.9 = -17.9.
    assert alerts[0]["z"] == pytest.approx(-17.9) and alerts[0]["doc_ids"] == ["storm"]


def test_related(app: typer.Typer, db: str) -> None:
    code, out, _ = run(app, "related", "storm", "--db", db, "--format", "json", "-k", "3")
    assert code == 0
    rel = json.loads(out)
    # storm has pairs {CHN-USA, CHN-RUS}; each calm article {CHN-USA}: dyad overlap 1/2, and no
    # (pair, root) in common (visits 04 against sanctions 16). "allies" shares no pair at all.
    assert len(rel) == 3 and all(r["article_id"].startswith("calm") for r in rel)
    assert rel[0]["article_id"] == "calm0"  # calm0..calm9 read alike: ties go by id
    assert rel[0]["dyad_overlap"] == 0.5 and rel[0]["event_overlap"] == 0.0
    assert rel[0]["shared_dyads"] == ["CHN-USA"]
    code, _, err = run(app, "related", "nope", "--db", db)
    assert code == 1 and "no article" in err


def test_plots(app: typer.Typer, db: str, tmp_path: Path) -> None:
    for args, name in (
        (("plot", "dyad", "CHN", "USA", "--freq", "day"), "dyad.png"),
        (("plot", "network"), "network.svg"),
        (("plot", "alignment"), "alignment.png"),
    ):
        target = tmp_path / name
        code, _, err = run(app, *args, "--db", db, "-o", str(target))
        assert code == 0, err
        assert target.stat().st_size > 3000
    code, _, err = run(app, "plot", "dyad", "CHN", "USA", "--db", db, "-o", str(tmp_path / "x.jpg"))
    assert code == 1 and ".png or .svg" in err


def test_exports(app: typer.Typer, db: str, tmp_path: Path) -> None:
    code, out, err = run(app, "export", "gdelt", "--db", db)
    assert code == 0 and "37 events" in err  # 30 calm + 3 storm (one negated left out) + 4 allies
    lines = out.splitlines()
    assert all(len(line.split("\t")) == 61 for line in lines)
    names = [n for n, _ in gdelt_columns()]
    storm = [dict(zip(names, line.split("\t"), strict=True)) for line in lines if "storm" in line]
    assert {r["Actor1Code"] for r in storm} == {"CHNGOV", "CHN", "RUS"}
    code, out, _ = run(app, "export", "plover", "--db", db)
    recs = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(recs) == len(lines)
    code, _, _ = run(app, "export", "parquet", str(tmp_path / "pq"), "--db", db)
    assert code == 0
    assert len(pd.read_parquet(tmp_path / "pq" / "events.parquet")) == len(lines)
    assert (tmp_path / "pq" / "alignment.parquet").exists()


def test_missing_store(app: typer.Typer, tmp_path: Path) -> None:
    code, _, err = run(app, "relations", "CHN", "USA", "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "no such store" in err
