"""Credits to another outlet ("Read the full story at The Washington Post.") -> ``attributed_to``.

The wording lives in ``data/attribution_patterns.txt`` and the agencies in
``data/wire_services.tsv`` (see ``data/README.md``); this module only compiles and applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

HEAD_CHARS = 600
TAIL_CHARS = 3000
_SCOPES = ("head", "tail", "edges", "any")

# A capitalised outlet name of up to eight words, small connecting words allowed inside:
# "The Washington Post", "Reuters", "The Wall Street Journal", "NYTimes.com", "Foreign Policy";
# it must end the sentence or be followed by a small word ("at 5:05 p.m.", "on September 14").
OUTLET = (
    r"(?P<outlet>(?:[Tt]he[ \t]+)?(?:[A-Z]|\d+[A-Za-z])[\w'’&.-]*"
    r"(?:[ \t]+(?:of|the|and|for|on|&|(?:[A-Z]|\d+[A-Za-z])[\w'’&.-]*)){0,7})"
    r"(?=[ \t]*(?:[.,:;!?)\]]|$|['’]s\b|(?:on|at|in|by|and|for|from|with|to|under)\b))"
)
BLANKS = r"[ \t]+"
_TRAILING = re.compile(r"(?:[\s.,;:]|\b(?:of|the|and|for|on|&))+$")
_MAX_OUTLET_CHARS = 60
# Capitalised words the wording patterns can catch that are not outlets.
_NOT_OUTLETS = frozenset(
    {"This", "Our", "Here", "Link", "The Link", "The Website", "Website", "Page", "Twitter", "Facebook"}
    | {"January", "February", "March", "April", "May", "June", "July", "August", "September"}
    | {"October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
    | {"Saturday", "Sunday"}
)
_DIGITS_WORD = re.compile(r"(?<![\w.])\d+(?![\w.])")  # "April 2014", "May 5": a date, not an outlet


@dataclass(frozen=True)
class _Pattern:
    scope: str
    regex: re.Pattern[str]


def _data(name: str) -> str:
    return resources.files("realpolitik.ingest").joinpath("data").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def wire_services() -> dict[str, str]:
    """Alias -> canonical name of the agencies in ``data/wire_services.tsv``."""
    table: dict[str, str] = {}
    for line in _data("wire_services.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        alias, canonical = line.split("\t")
        table[alias.strip()] = canonical.strip()
    return table


@lru_cache(maxsize=1)
def patterns() -> tuple[_Pattern, ...]:
    """The compiled patterns of ``data/attribution_patterns.txt``, in file order."""
    wire = "|".join(re.escape(a) for a in sorted(wire_services(), key=len, reverse=True))
    compiled: list[_Pattern] = []
    for number, line in enumerate(_data("attribution_patterns.txt").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        scope, _, source = line.partition("\t")
        if scope not in _SCOPES or not source:
            raise ValueError(f"attribution_patterns.txt:{number}: expected scope<TAB>regex")
        source = source.replace("{OUTLET}", OUTLET).replace("{WIRE}", f"(?:{wire})").replace("{S}", BLANKS)
        regex = re.compile(source, re.MULTILINE)
        if "outlet" not in regex.groupindex:
            raise ValueError(f"attribution_patterns.txt:{number}: no (?P<outlet>...) group")
        compiled.append(_Pattern(scope, regex))
    return tuple(compiled)


def _windows(text: str, scope: str) -> list[str]:
    if scope == "head":
        return [text[:HEAD_CHARS]]
    if scope == "tail":
        return [text[-TAIL_CHARS:]]
    if scope == "edges":
        return [text[:HEAD_CHARS], text[-TAIL_CHARS:]] if len(text) > HEAD_CHARS else [text]
    return [text]


def _clean(outlet: str) -> str | None:
    outlet = _TRAILING.sub("", outlet.strip())
    if outlet.startswith("the "):  # "Read more at the Guardian"
        outlet = "The " + outlet[4:]
    outlet = wire_services().get(outlet, outlet)
    if not outlet or len(outlet) > _MAX_OUTLET_CHARS or outlet in _NOT_OUTLETS or _DIGITS_WORD.search(outlet):
        return None
    return outlet


def find_attribution(text: str) -> str | None:
    """The outlet the text credits as its source, or None."""
    for pattern in patterns():
        for window in _windows(text, pattern.scope):
            for m in pattern.regex.finditer(window):
                outlet = _clean(m["outlet"])
                if outlet:
                    return outlet
    return None
