"""The event lexicon: which words (in which dependency configurations) trigger which CAMEO codes.

Knowledge lives in ``data/verb_patterns.tsv`` and ``data/code_transforms.tsv`` (formats documented
in their headers); this module parses and validates them and answers lookups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from realpolitik.errors import InputError
from realpolitik.events.cameo import _data_path, _read_tsv, cameo_table, parent_codes

FRAMES = frozenset(
    {
        "plain",
        "intent",
        "threat",
        "refuse",
        "appeal",
        "demand",
        "transparent",
        "report",
        "speech",
        "light",
        "prepare",
        "consider",
    }
)
FLAGS = frozenset({"recip", "light", "wish", "reverse", "targeted"})
POS = frozenset({"V", "N", "A"})
FRAME_DEFAULT = {"intent": "030", "threat": "130", "refuse": "120", "appeal": "020", "demand": "100"}
"""The code an embedding frame gives when its embedded event has no code of its own."""


@dataclass(frozen=True)
class Pattern:
    """One row of verb_patterns.tsv."""

    lemma: str
    pos: str  # V, N, A
    particle: str | None
    tpreps: tuple[str, ...]
    need_object: bool  # constraint "*"
    objects: frozenset[str] | None  # direct-object lemmas
    prep_object: tuple[str, frozenset[str] | None] | None  # ("from", {"treaty",...}) or ("for", None)
    mods: frozenset[str] | None  # required compound/amod modifier lemmas
    code: str | None
    mil_code: str | None  # code when the source is a military actor ("180/190")
    frame: str
    recip: bool
    light: bool
    line: int
    wish: bool = False  # "X wants Y to V": with a subject of its own the embedded clause is an appeal to Y
    that_clause: bool = False  # constraint "that": a that-clause stating a proposition
    subjects: frozenset[str] | None = None  # constraint "subj:a|b": the acting phrase's head or modifiers
    reverse: bool = False  # the target acts: "peacekeepers arrived in X" is X receiving them
    targeted: bool = False  # no event without a counterpart among the mentions ("allow X to V")

    @property
    def specificity(self) -> int:
        """Rows with more conditions win over plainer rows of the same lemma."""
        score = 0
        if self.objects is not None or self.mods is not None or self.that_clause or self.subjects is not None:
            score += 4
        if self.prep_object is not None:
            score += 4 if self.prep_object[1] is not None else 2
        if self.particle:
            score += 2
        if self.need_object:
            score += 1
        return score

    def code_for(self, military: bool) -> str | None:
        """The code for a source; a military code of "-" means no event ("troops arrived" is no visit)."""
        if military and self.mil_code:
            return None if self.mil_code == "-" else self.mil_code
        return self.code


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in value.split("|") if v.strip()) if value not in ("", "-") else ()


@lru_cache(maxsize=1)
def patterns() -> dict[tuple[str, str], list[Pattern]]:
    """Patterns by (lemma, pos), most specific first."""
    path = _data_path("verb_patterns.tsv")
    codes = cameo_table()
    table: dict[tuple[str, str], list[Pattern]] = defaultdict(list)
    for lineno, row in _read_tsv("verb_patterns.tsv"):
        lemma = row["lemma"].lower()
        pos = row["pos"]
        frame = row["frame"] or "plain"
        if not lemma or pos not in POS:
            raise InputError(path, f"bad lemma/pos {lemma!r}/{pos!r}", lineno)
        if frame not in FRAMES:
            raise InputError(path, f"unknown frame {frame!r}", lineno)
        flags = set(_split(row["flags"].replace(",", "|")))
        if flags - FLAGS:
            raise InputError(path, f"unknown flags {sorted(flags - FLAGS)}", lineno)
        code_field = row["code"]
        code: str | None = None
        mil: str | None = None
        if code_field not in ("", "-"):
            code, _, mil_part = code_field.partition("/")
            mil = mil_part or None
            for c in (code, mil):
                if c is not None and c != "-" and c not in codes:
                    raise InputError(path, f"unknown CAMEO code {c!r}", lineno)
        constraint = row["constraint"]
        need_object = constraint == "*"
        objects = mods = None
        prep_object = None
        that_clause = constraint == "that"
        subjects = None
        if that_clause:
            pass
        elif constraint.startswith("subj:"):
            subjects = frozenset(_split(constraint[5:]))
        elif constraint.startswith("mod:"):
            mods = frozenset(_split(constraint[4:]))
        elif ":" in constraint:
            prep, _, objs = constraint.partition(":")
            prep_object = (prep.strip().lower(), None if objs.strip() == "*" else frozenset(_split(objs)))
        elif constraint not in ("", "-", "*"):
            objects = frozenset(_split(constraint))
        particle = row["particle"].lower() if row["particle"] not in ("", "-") else None
        table[(lemma, pos)].append(
            Pattern(
                lemma=lemma,
                pos=pos,
                particle=particle,
                tpreps=_split(row["tprep"]),
                need_object=need_object,
                objects=objects,
                prep_object=prep_object,
                mods=mods,
                code=code,
                mil_code=mil,
                frame=frame,
                recip="recip" in flags,
                light="light" in flags,
                line=lineno,
                wish="wish" in flags,
                that_clause=that_clause,
                subjects=subjects,
                reverse="reverse" in flags,
                targeted="targeted" in flags,
            )
        )
    for rows in table.values():
        rows.sort(key=lambda p: (-p.specificity, p.line))
    return dict(table)


def candidates(lemma: str, pos: str) -> list[Pattern]:
    """The patterns of a lemma in a part of speech, most specific first."""
    return patterns().get((lemma.lower(), pos), [])


def known_lemmas() -> set[str]:
    return {lemma for lemma, _ in patterns()}


@lru_cache(maxsize=1)
def transforms() -> dict[str, dict[str, str | None]]:
    """code -> {frame: code or None}."""
    path = _data_path("code_transforms.tsv")
    codes = cameo_table()
    table: dict[str, dict[str, str | None]] = {}
    for lineno, row in _read_tsv("code_transforms.tsv"):
        code = row["code"]
        if code not in codes:
            raise InputError(path, f"unknown CAMEO code {code!r}", lineno)
        entry: dict[str, str | None] = {}
        for frame in ("intent", "threat", "refuse", "appeal", "demand"):
            value = row.get(frame, "-")
            if value in ("", "-"):
                entry[frame] = None
                continue
            if value not in codes:
                raise InputError(path, f"unknown CAMEO code {value!r} in column {frame}", lineno)
            entry[frame] = value
        table[code] = entry
    return table


def transform(code: str | None, frame: str) -> str | None:
    """The code of "<frame> to <event with code>", or None when the frame leaves the code alone.

    ``code`` None (nothing embedded) gives the frame's default code. For intent/threat/refuse a
    missing entry keeps the embedded code (the frame changes modality or polarity only); appeals
    and demands always have a code of their own.
    """
    if code is None:
        return FRAME_DEFAULT.get(frame)
    table = transforms()
    for probe in parent_codes(code):
        if probe in table:
            value = table[probe].get(frame)
            if value is not None:
                return value
            break
    if frame in ("appeal", "demand"):
        return FRAME_DEFAULT[frame]
    if frame == "threat" and code[:2] in {"03", "04", "05", "06", "07", "08"}:
        return FRAME_DEFAULT["threat"]
    return None


def _word_list(name: str) -> frozenset[str]:
    path = _data_path(name)
    with open(path, encoding="utf-8") as fh:
        return frozenset(
            line.strip().lower() for line in fh if line.strip() and not line.lstrip().startswith("#")
        )


@lru_cache(maxsize=1)
def military_nouns() -> frozenset[str]:
    """Head nouns that make an acting phrase military ("Russian aircraft killed ...").

    From data/military_nouns.txt."""
    return _word_list("military_nouns.txt")


@lru_cache(maxsize=1)
def quantity_nouns() -> frozenset[str]:
    """Nouns that measure an event noun ("a series of attacks"): data/quantity_nouns.txt."""
    return _word_list("quantity_nouns.txt")


@lru_cache(maxsize=1)
def event_host_nouns() -> frozenset[str]:
    """Nouns an event noun may modify and still be the event ("mediation effort").

    From data/event_host_nouns.txt."""
    return _word_list("event_host_nouns.txt")
