"""`realpolitik actors` and `realpolitik resolve`, registered on a fresh Typer app."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from realpolitik.actors.commands import register

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # a callback keeps both commands as sub-commands
        """test app"""

    return app


def _json(app: typer.Typer, *args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_actors_lists_person_with_terms(app: typer.Typer) -> None:
    rows = _json(app, "actors", "putin", "--kind", "person")
    putin = next(r for r in rows if r["name"] == "Vladimir Putin")
    assert (putin["country"], putin["kind"]) == ("RUS", "person")
    roles = {t["role"] for t in putin["terms"]}
    assert {"head_of_state", "head_of_government"} <= roles
    assert all(t["code"].startswith("RUS") and t["start"] for t in putin["terms"])
    table = runner.invoke(app, ["actors", "Vladimir Putin"])
    assert table.exit_code == 0, table.output
    assert "head_of_state RUSGOV" in table.stdout and "Vladimir Putin" in table.stdout


def test_actors_kind_limit_and_query(app: typer.Typer) -> None:
    igos = _json(app, "actors", "--kind", "igo", "--limit", "0")
    assert len(igos) > 10 and all(r["kind"] == "igo" and r["country"] is None for r in igos)
    assert any(r["code"] == "IGOUNO" for r in igos)
    assert len(_json(app, "actors", "--kind", "state", "--limit", "5")) == 5
    china = _json(app, "actors", "chn", "--kind", "state")
    assert [r["code"] for r in china] == ["CHN"] and china[0]["name"] == "China"
    # an organisation whose code changes over time keeps all its terms
    taliban = next(r for r in _json(app, "actors", "Taliban") if r["name"] == "Taliban")
    assert [t["code"] for t in taliban["terms"]] == ["AFGINSTAL", "AFGGOV"]
    assert _json(app, "actors", "no such actor anywhere") == []


def test_actors_usage_errors(app: typer.Typer) -> None:
    assert runner.invoke(app, ["actors", "--kind", "planet"]).exit_code == 2
    assert runner.invoke(app, ["actors", "--format", "xml"]).exit_code == 2


def test_resolve_is_time_aware(app: typer.Typer, nlp) -> None:
    text = "Vladimir Putin met Chinese leader Xi Jinping in Beijing."
    rows = _json(app, "resolve", text, "--date", "2023-03-20")
    by_text = {r["text"]: r for r in rows}
    putin = next(r for t, r in by_text.items() if "Putin" in t)
    assert (putin["code"], putin["country"], putin["sector"]) == ("RUSGOV", "RUS", "GOV")
    assert text[putin["span"][0] : putin["span"][1]] == putin["text"]
    assert putin["via"] and 0.0 < putin["confidence"] <= 1.0
    assert any(r["name"] == "Xi Jinping" and r["code"] == "CHNGOV" for r in rows)
    # before he held office Putin is just a Russian
    early = _json(app, "resolve", "Vladimir Putin met Bill Clinton.", "--date", "1995-06-01")
    putin_1995 = next(r for r in early if "Putin" in r["text"])
    assert putin_1995["code"] == "RUS"
    table = runner.invoke(app, ["resolve", text, "--date", "2023-03-20"])
    assert table.exit_code == 0, table.output
    assert "RUSGOV" in table.stdout and "Xi Jinping" in table.stdout and "0-14" in table.stdout


def test_resolve_usage_errors(app: typer.Typer) -> None:
    assert runner.invoke(app, ["resolve", "Putin spoke.", "--date", "2023-13-40"]).exit_code == 2
    assert runner.invoke(app, ["resolve", "   "]).exit_code == 2
