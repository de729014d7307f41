"""CAMEO event codes and the CAMEO -> PLOVER crosswalk, read from the package's data files.

The tables are copies of the shared CAMEO material (see ``data/README.md``); they are loaded once
and cached. ``cameo_code`` and ``plover_for`` are the lookups the rest of realpolitik uses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.models import CameoCode, PloverType

_CODE_RE = re.compile(r"^\d{2,4}$")
DATA_PACKAGE = "realpolitik.events.data"


def _data_path(name: str) -> str:
    return str(resources.files(DATA_PACKAGE).joinpath(name))


def _read_tsv(name: str | Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a TSV file with a header, with their 1-based line numbers; '#' lines are comments.
    ``name`` is a file of the package's data directory, or a path."""
    path = str(name) if isinstance(name, Path) else _data_path(name)
    rows: list[tuple[int, dict[str, str]]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        header: list[str] | None = None
        for lineno, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = [f.strip() for f in fields]
                continue
            if len(fields) > len(header):
                raise InputError(path, f"{len(fields)} fields, header has {len(header)}", lineno)
            fields += [""] * (len(header) - len(fields))
            rows.append((lineno, {h: f.strip() for h, f in zip(header, fields, strict=True)}))
    return rows


@lru_cache(maxsize=1)
def cameo_table() -> dict[str, CameoCode]:
    """All CAMEO codes by code string ("01", "051", "1211")."""
    table: dict[str, CameoCode] = {}
    path = _data_path("cameo_codes.tsv")
    for lineno, row in _read_tsv("cameo_codes.tsv"):
        code = row["code"]
        if not _CODE_RE.match(code):
            raise InputError(path, f"bad CAMEO code {code!r}", lineno)
        gold = row.get("goldstein") or row.get("goldstein_icews") or "0"
        try:
            goldstein = float(gold)
            quad = int(row["quad_class"])
        except ValueError as exc:
            raise InputError(path, f"bad number in row for {code}: {exc}", lineno) from exc
        table[code] = CameoCode(
            code=code, root=row["root"] or code[:2], name=row["name"], goldstein=goldstein, quad_class=quad
        )
    return table


@lru_cache(maxsize=1)
def plover_table() -> dict[str, PloverType]:
    """CAMEO code -> PLOVER (event, mode). The first row wins when the crosswalk lists a code twice;
    the supplement fills the codes the crosswalk leaves out (01 statements, 02 appeals)."""
    table: dict[str, PloverType] = {}
    for name in ("cameo_plover.tsv", "cameo_plover_supplement.tsv"):
        for _, row in _read_tsv(name):
            code = row["cameo"]
            if code in table:
                continue
            table[code] = PloverType(event=row["plover_event"] or None, mode=row["plover_mode"] or None)
    return table


def _check(code: str) -> str:
    if not isinstance(code, str) or not _CODE_RE.match(code.strip()):
        raise ValueError(f"not a CAMEO code: {code!r}")
    return code.strip()


def cameo_code(code: str) -> CameoCode:
    """The CAMEO code from the table. ValueError for a malformed code, KeyError for an unknown one."""
    code = _check(code)
    try:
        return cameo_table()[code]
    except KeyError:
        raise KeyError(f"unknown CAMEO code: {code!r}") from None


def plover_for(code: str) -> PloverType:
    """PLOVER event and mode for a CAMEO code: its own crosswalk row, else its parent's, else its root's.

    CAMEO 01 (statements) has no PLOVER event: ``PloverType(None, None)``."""
    code = _check(code)
    table = plover_table()
    probe = code
    while len(probe) >= 2:
        if probe in table:
            return table[probe]
        probe = probe[:-1]
    raise KeyError(f"no PLOVER mapping for CAMEO code: {code!r}")


def parent_codes(code: str) -> list[str]:
    """The code and its ancestors, most specific first: "1212" -> ["1212", "121", "12"]."""
    out = [code]
    while len(out[-1]) > 2:
        out.append(out[-1][:-1])
    return out
