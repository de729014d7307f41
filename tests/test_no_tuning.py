"""No gold sentence is baked into the package: the coder must not be tuned on the sentences it is scored on.

Every sentence of ../shared/data/gold/*.jsonl and of the seed article (../shared/data/seed/article.txt)
with at least 8 words is looked for, whitespace-, case- and punctuation-insensitively, in every text
file under src/ (code and data files alike; JSON string escapes are undone first, so a sentence kept
inside a JSON line is found too). The scan is one pass: the package text is cut into word 8-grams kept
in a set; a sentence all of whose 8-grams are there is confirmed with a substring search.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
MIN_WORDS = 8
N = MIN_WORDS  # shingle length: a whole sentence of MIN_WORDS words is one shingle

# Not knowledge the coder could be tuned on:
# - the demo corpus ships the Wikinews articles of 2019-2020 (CC BY 2.5, see NOTICE), some of which
#   TimeSET annotates; it is input for `make demo`, never read by the coder;
EXCLUDED_DIRS = (SRC / "realpolitik" / "sample",)
# - publisher boilerplate: the seed's credit line is the documented example of the attribution
#   patterns (ingest/attribution.py, ingest/data/); it carries no event.
ALLOWED = frozenset({"read the full story at the washington post"})

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_JSON_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
_JSON_ESCAPE = re.compile(r"\\[nrtbf\"\\/]")


def normalise(text: str) -> str:
    """NFKC, case-folded, every run of non-alphanumerics one space (quotes, dashes, punctuation)."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def sentences(text: str) -> Iterator[str]:
    """Normalised sentences of at least MIN_WORDS words (a crude splitter is enough: both sides
    of the comparison are whole sentences or longer)."""
    for piece in _SENTENCE_END.split(text):
        norm = normalise(piece)
        if len(norm.split()) >= MIN_WORDS:
            yield norm


def gold_sentences(shared: Path) -> dict[str, str]:
    """Normalised sentence -> where it comes from."""
    found: dict[str, str] = {}
    for path in sorted((shared / "gold").glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                record = json.loads(line)
                for s in sentences(str(record.get("text") or "")):
                    found.setdefault(s, f"{path.name}:{n}")
    # The codebook examples (scored by benchmarks/accuracy.py) and the ConfliBERT sentences (its
    # held-out check) are measured on too.
    for path, field in (
        (shared / "cameo" / "cameo_examples.jsonl", "example"),
        (shared / "train" / "conflibert_cameo_pentaclass.jsonl", "text"),
    ):
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                for s in sentences(str(json.loads(line).get(field) or "")):
                    found.setdefault(s, f"{path.name}:{n}")
    seed = shared / "seed" / "article.txt"
    if seed.is_file():
        for s in sentences(seed.read_text(encoding="utf-8")):
            found.setdefault(s, "seed/article.txt")
    return found


def package_texts(root: Path) -> Iterator[tuple[Path, str]]:
    """Every text file under ``root`` (binary files and caches skipped), JSON escapes undone."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        if any(path.is_relative_to(d) for d in EXCLUDED_DIRS):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        text = _JSON_UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)
        yield path, _JSON_ESCAPE.sub(" ", text)


def copied(gold: dict[str, str], files: Iterable[tuple[Path, str]]) -> list[tuple[str, str, str]]:
    """(file, gold origin, sentence) for every gold sentence found in a file."""
    hits: list[tuple[str, str, str]] = []
    for path, text in files:
        norm = f" {normalise(text)} "
        words = norm.split()
        shingles = {" ".join(words[i : i + N]) for i in range(len(words) - N + 1)}
        for sent, origin in gold.items():
            w = sent.split()
            if all(" ".join(w[i : i + N]) in shingles for i in range(0, len(w) - N + 1, N // 2)):
                if f" {sent} " in norm:
                    hits.append((str(path), origin, sent))
    return hits


def test_no_gold_sentence_in_package(shared_data: Path) -> None:
    gold = gold_sentences(shared_data)
    assert len(gold) > 1000  # the gold files are there and were split
    gold = {s: o for s, o in gold.items() if s not in ALLOWED}
    hits = copied(gold, package_texts(SRC))
    report = "\n".join(f"{f}: {o}: {s[:100]}" for f, o, s in hits[:20])
    assert not hits, f"{len(hits)} gold/seed sentences found in the package:\n{report}"


def test_detects_a_planted_sentence(shared_data: Path, tmp_path: Path) -> None:
    gold = gold_sentences(shared_data)
    seed = (shared_data / "seed" / "article.txt").read_text(encoding="utf-8")
    planted = next(s for s in seed.splitlines() if len(s.split()) > 20).split(". ")[0] + "."
    assert normalise(planted) in gold
    (tmp_path / "patterns.tsv").write_text("# origin: hand-written\nmeet\t" + planted.upper() + "\n")
    (tmp_path / "data.jsonl").write_text(json.dumps({"text": "Intro.\n" + planted}) + "\n")
    (tmp_path / "clean.py").write_text("x = 'Chinese and Russian leaders met'\n")
    hits = copied(gold, package_texts(tmp_path))
    assert {Path(f).name for f, _, _ in hits} == {"patterns.tsv", "data.jsonl"}


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
