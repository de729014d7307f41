"""The actors commands of the ``realpolitik`` CLI: ``register(app)`` adds them.

``actors [QUERY] [--kind K] [--limit N]`` lists the knowledge base (states, organisations, office
holders with their terms); ``resolve "TEXT" [--date D]`` shows which actors the resolver finds in a
text and how. Both print a rich table, or JSON with ``--format json``. Neither touches the store.
Errors are realpolitik's own, printed as one line, exit 1; usage errors exit 2.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from realpolitik.cliutil import check_choice as _check
from realpolitik.cliutil import fail as _fail
from realpolitik.cliutil import parse_date
from realpolitik.errors import RealpolitikError

if TYPE_CHECKING:
    from realpolitik.actors.kb import KnowledgeBase

err = Console(stderr=True, highlight=False)

FORMATS = ("table", "json")
KINDS = ("state", "igo", "ngo", "armed_group", "person", "region", "ethnic", "sector")

FormatOption = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


def _out() -> Console:
    # Built per call, not at import: CliRunner swaps sys.stdout, and a wide fixed width keeps
    # long names on one line when the output is piped.
    return Console(highlight=False, soft_wrap=True, width=200)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def kb_entries(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every knowledge-base entry as a flat record: states, organisations, persons, then regions,
    ethnic/religious groups and the country-less sector actors ("police" -> COP).

    ``forms`` holds the names the resolver looks for (for matching a query, and shown in JSON);
    ``terms`` the periods: an organisation's code over time (the Taliban), a person's offices.
    """
    from realpolitik.actors.kb import code_country

    entries: list[dict[str, Any]] = []
    for c in kb.countries.values():
        entries.append(
            {
                "code": c.iso3,
                "name": c.name,
                "country": c.iso3,
                "sector": None,
                "kind": "state",
                "forms": [*c.forms, *c.demonyms, *c.capitals],
                "terms": [],
            }
        )
    for key, terms in kb.orgs.items():
        latest = max(terms, key=lambda t: t.start or date.min)
        country, sector = code_country(latest.code)
        if country is not None and country not in kb.countries:
            country, sector = None, None
        entries.append(
            {
                "code": latest.code,
                "name": latest.name,
                "country": country,
                "sector": sector,
                "kind": latest.kind,
                "forms": list(dict.fromkeys(kb.org_forms.get(key, []))),
                "terms": [
                    {"code": t.code, "role": None, "start": _iso(t.start), "end": _iso(t.end)}
                    for t in sorted(terms, key=lambda t: t.start or date.min)
                ],
            }
        )
    for person in kb.persons.values():
        actor = person.actor(None)  # the most recent office ("in office at some time")
        entries.append(
            {
                "code": actor.code,
                "name": person.name,
                "country": person.nationality,
                "sector": actor.sector,
                "kind": "person",
                "forms": [a.lstrip("~") for a in person.aliases],
                "terms": [
                    {"code": o.code, "role": o.role, "start": _iso(o.start), "end": _iso(o.end)}
                    for o in sorted(person.offices, key=lambda o: o.start)
                ],
            }
        )
    groups: dict[str, list[str]] = {}
    for form, g in [*kb.regions.items(), *kb.ethnic.items()]:
        groups.setdefault(g.code, []).append(form)
    for code, forms in groups.items():
        actor = kb.group_actor(code)
        entries.append(
            {
                "code": code,
                "name": actor.name,
                "country": None,
                "sector": None,
                "kind": actor.kind,
                "forms": forms,
                "terms": [],
            }
        )
    sectors: dict[str, list[str]] = {}
    for phrase, rule in kb.unnamed.items():
        if rule.sector is not None and rule.role != "modifier":
            sectors.setdefault(rule.sector, []).append(phrase)
    for sector, forms in sectors.items():
        actor = kb.unnamed_actor(sector)
        entries.append(
            {
                "code": sector,
                "name": actor.name,
                "country": None,
                "sector": sector,
                "kind": "sector",
                "forms": forms,
                "terms": [],
            }
        )
    return entries


def _matches(entry: dict[str, Any], query: str) -> bool:
    q = query.casefold()
    fields = [entry["code"], entry["name"], entry["country"] or "", *entry["forms"]]
    fields += [t["code"] for t in entry["terms"]]
    return any(q in f.casefold() for f in fields)


def _terms_text(entry: dict[str, Any]) -> str:
    parts = []
    for t in entry["terms"]:
        period = f"{t['start'] or '…'} to {t['end'] or 'now'}"
        label = f"{t['role']} " if t["role"] else ""
        parts.append(f"{label}{t['code']} {period}")
    return "\n".join(parts)


def actors(
    query: Annotated[
        str | None, typer.Argument(help="Part of a code, name or alias (case-insensitive).")
    ] = None,
    kind: Annotated[str | None, typer.Option(help=f"Only this kind: {', '.join(KINDS)}.")] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most this many (0: all).")] = 50,
    fmt: FormatOption = "table",
) -> None:
    """List the actor knowledge base: code, name, country, sector, kind; roles and terms of persons."""
    from realpolitik.actors import KnowledgeBase

    fmt = _check(fmt, FORMATS, "--format")
    kind = _check(kind, KINDS, "--kind") if kind else None
    try:
        entries = kb_entries(KnowledgeBase.load())
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    chosen = [e for e in entries if (kind is None or e["kind"] == kind) and (not query or _matches(e, query))]
    total = len(chosen)
    if limit:
        chosen = chosen[:limit]
    if fmt == "json":
        typer.echo(json.dumps(chosen, ensure_ascii=False, indent=2))
        return
    title = f"{len(chosen)} of {total} actors" if total > len(chosen) else f"{total} actors"
    out = _out()
    table = Table(title=title)
    for col in ("code", "name", "country", "sector", "kind", "roles and terms"):
        table.add_column(col)
    for e in chosen:
        table.add_row(
            e["code"], e["name"], e["country"] or "-", e["sector"] or "-", e["kind"], _terms_text(e)
        )
    out.print(table)


def resolve(
    text: Annotated[str, typer.Argument(help="The text to resolve (quote it).")],
    on: Annotated[
        str | None,
        typer.Option("--date", help="The article's date (YYYY-MM-DD): who holds which office then."),
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Find the actors in a text and show each mention: span, code, country, sector, how it was found."""
    fmt = _check(fmt, FORMATS, "--format")
    day = parse_date(on, "--date")
    if not text.strip():
        raise typer.BadParameter("the text is empty", param_hint="TEXT")
    try:
        from realpolitik.actors import default_resolver
        from realpolitik.nlp import parse

        mentions = default_resolver().resolve(parse(text), day)
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    rows = [
        {
            "span": [m.start, m.end],
            "text": m.text,
            "code": m.actor.code,
            "country": m.actor.country,
            "sector": m.actor.sector,
            "name": m.actor.name,
            "kind": m.actor.kind,
            "via": m.via,
            "confidence": round(float(m.confidence), 3),
            "sentence_index": m.sentence_index,
        }
        for m in mentions
    ]
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    out = _out()
    table = Table(title=f"{len(rows)} actor mentions" + (f" on {day.isoformat()}" if day else ""))
    for col in ("span", "text", "code", "country", "sector", "name", "via", "confidence"):
        table.add_column(col, justify="right" if col == "confidence" else "left")
    for r in rows:
        table.add_row(
            f"{r['span'][0]}-{r['span'][1]}",
            r["text"],
            r["code"],
            r["country"] or "-",
            r["sector"] or "-",
            r["name"],
            r["via"],
            f"{r['confidence']:.2f}",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``actors`` and ``resolve`` to the CLI."""
    app.command("actors")(actors)
    app.command("resolve")(resolve)
