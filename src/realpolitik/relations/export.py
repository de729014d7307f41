"""Exports: GDELT 2.0 event-table TSV, PLOVER JSONL, and Parquet of every relations table.

Negated events are never exported as events: GDELT and PLOVER rows have no place to say that
something did *not* happen, so writing them would assert the opposite of the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from realpolitik.errors import RealpolitikError
from realpolitik.relations.frame import asserted, plain

GROUP_PREFIXES = ("IGO", "NGO", "IMG", "MNC", "UIS")
PLOVER_VERSION = "0.8"


def gdelt_columns() -> list[tuple[str, str]]:
    """(name, filled_from) of the 61 GDELT 2.0 event columns in order, from the data file."""
    text = resources.files(__package__).joinpath("data/gdelt_event_columns.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    cols = [(r[1], r[2] if len(r) > 2 else "") for r in rows[1:]]
    if len(cols) != 61:
        raise RealpolitikError(f"gdelt_event_columns.tsv lists {len(cols)} columns, not 61")
    return cols


def unfilled_gdelt_columns() -> list[str]:
    return [name for name, how in gdelt_columns() if not how]


def _actor_parts(code: str | None, country: str | None) -> dict[str, str]:
    """Split a CAMEO actor code into GDELT's country / known group / type codes."""
    out = {"KnownGroupCode": "", "Type1Code": "", "Type2Code": "", "Type3Code": ""}
    if not code:
        return out
    code = str(code).upper()
    if country and code.startswith(str(country)):
        rest = code[len(str(country)) :]
    elif code[:3] in GROUP_PREFIXES:
        out["KnownGroupCode"] = code[3:6]
        rest = code[:3] + code[6:]
    else:
        rest = code[3:]
    chunks = [rest[i : i + 3] for i in range(0, len(rest), 3) if len(rest[i : i + 3]) == 3]
    for n, chunk in enumerate(chunks[:3], 1):
        out[f"Type{n}Code"] = chunk
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT


def gdelt_rows(df: pd.DataFrame) -> list[list[str]]:
    """The events as GDELT 2.0 rows (61 strings each, '' where we have nothing)."""
    names = [n for n, _ in gdelt_columns()]
    rows = []
    # plain(): a missing categorical value would read as NaN, and NaN is truthy.
    for e in plain(asserted(df)).to_dict("records"):
        r = dict.fromkeys(names, "")
        r["GLOBALEVENTID"] = str(int(str(e["event_id"])[:15], 16)) if _is_hex(e["event_id"]) else ""
        d = e["date"]
        if not _blank(d):
            d = pd.Timestamp(d)
            r["SQLDATE"] = d.strftime("%Y%m%d")
            r["MonthYear"] = d.strftime("%Y%m")
            r["Year"] = d.strftime("%Y")
            r["FractionDate"] = f"{d.year + d.day_of_year / 365:.4f}"
        for n, side in ((1, "source"), (2, "target")):
            code = e[f"{side}_code"]
            if _blank(code):
                continue
            r[f"Actor{n}Code"] = str(code)
            r[f"Actor{n}Name"] = str(e[f"{side}_name"] or "").upper()
            r[f"Actor{n}CountryCode"] = "" if _blank(e[f"{side}_country"]) else str(e[f"{side}_country"])
            for k, v in _actor_parts(code, e[f"{side}_country"]).items():
                r[f"Actor{n}{k}"] = v
        si = e.get("sentence_index")
        r["IsRootEvent"] = "" if _blank(si) or si is pd.NA else ("1" if int(si) == 0 else "0")
        code = str(e["cameo_code"])
        code = code + "0" if len(code) == 2 else code  # GDELT writes root-level codes as 040
        r["EventCode"] = code
        r["EventBaseCode"] = code[:3]
        r["EventRootCode"] = str(e["cameo_root"])
        r["QuadClass"] = str(int(e["quad_class"]))
        r["GoldsteinScale"] = f"{float(e['goldstein']):g}"
        r["NumMentions"] = r["NumSources"] = r["NumArticles"] = "1"
        r["SOURCEURL"] = str(e["url"] or e["doc_id"])
        rows.append([_clean(r[n]) for n in names])
    return rows


def _is_hex(v: Any) -> bool:
    try:
        int(str(v)[:15], 16)
        return True
    except ValueError:
        return False


def _clean(v: str) -> str:
    return v.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def write_gdelt(df: pd.DataFrame, out: TextIO, *, header: bool = False) -> int:
    """Write GDELT 2.0 event rows (tab-separated; GDELT files have no header line unless
    ``header``). Returns the number of rows written."""
    rows = gdelt_rows(df)
    if header:
        out.write("\t".join(n for n, _ in gdelt_columns()) + "\n")
    for r in rows:
        out.write("\t".join(r) + "\n")
    return len(rows)


def _plover_actor(e: Mapping[str, Any], side: str) -> list[dict[str, str]]:
    code = e[f"{side}_code"]
    if _blank(code):
        return []
    actor = {
        "actorText": str(e[f"{side}_text"] or e[f"{side}_name"] or ""),
        "code": str(e[f"{side}_country"] or code),
    }
    if not _blank(e[f"{side}_sector"]) and e[f"{side}_sector"]:
        actor["sector"] = str(e[f"{side}_sector"])
    actor["cameoCode"] = str(code)
    return [actor]


def plover_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Events as PLOVER records (the field names of the PLOVER gold standard records: id, date,
    source, target, event, mode, context, eventText, text, language, publication, coder, version,
    dateCoded), plus ``cameo`` and ``url`` for traceability."""
    coded = datetime.now(UTC).date().isoformat()
    out = []
    for e in plain(asserted(df)).to_dict("records"):
        rec: dict[str, Any] = {
            "id": str(e["event_id"]),
            "date": None if _blank(e["date"]) else pd.Timestamp(e["date"]).date().isoformat(),
            "source": _plover_actor(e, "source"),
            "target": _plover_actor(e, "target"),
            "event": e["plover_event"] or "",
            "mode": e["plover_mode"] or "",
            "context": "",
            "eventText": e["trigger"] or "",
            "text": e["sentence"] or "",
            "language": "en",
            "publication": e["publisher"] or "",
            "coder": "realpolitik",
            "version": PLOVER_VERSION,
            "dateCoded": coded,
            "modality": e["modality"],
            "cameo": {
                "code": e["cameo_code"],
                "goldstein": float(e["goldstein"]),
                "quad_class": int(e["quad_class"]),
            },
            "doc_id": e["doc_id"],
            "url": e["url"],
        }
        out.append(rec)
    return out


def write_plover(df: pd.DataFrame, out: TextIO) -> int:
    recs = plover_records(df)
    for r in recs:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(recs)


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns of mixed content become strings; list columns stay lists. Categorical
    columns are written as plain strings, so the files' schema does not depend on how the
    frame holds them."""
    out = plain(df).copy()
    for col in out.columns:
        if out[col].dtype == object:
            sample = next((v for v in out[col] if v is not None and not _blank(v)), None)
            if isinstance(sample, list):
                out[col] = [list(v) if isinstance(v, list) else [] for v in out[col]]
            elif sample is not None and not isinstance(sample, str):
                out[col] = [None if _blank(v) else str(v) for v in out[col]]
    return out


def write_parquet(tables: Mapping[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """One ``NAME.parquet`` per table in ``directory`` (created if needed)."""
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, table in tables.items():
            p = d / f"{name}.parquet"
            _parquet_ready(table).to_parquet(p, index=False)
            paths.append(p)
    except OSError as e:
        raise RealpolitikError(f"{d}: cannot write: {e.strerror or e}") from None
    return paths


def all_tables(
    df: pd.DataFrame, *, window: str | None = None, freq: str = "month"
) -> dict[str, pd.DataFrame]:
    """Every relations table, computed with defaults: events, dyads, network nodes and edges,
    blocs, bloc stability, alignment, influence and shift alerts."""
    from realpolitik.relations.alignment import Poles, alignment, influence
    from realpolitik.relations.blocs import bloc_stability, find_blocs
    from realpolitik.relations.dyads import all_dyads
    from realpolitik.relations.network import build_network
    from realpolitik.relations.shifts import shift_alerts

    net = build_network(df, window=window)
    poles = Poles.default()
    _, stability = bloc_stability(df)
    return {
        "events": df,
        "dyads": all_dyads(df, freq=freq),
        "network_nodes": net.nodes,
        "network_edges": net.edges,
        "blocs": find_blocs(net).assignments,
        "bloc_stability": stability,
        "alignment": alignment(df, poles, freq=freq),
        "influence": influence(df, poles, freq=freq),
        "shifts": shift_alerts(df),
    }
