"""Throughput of realpolitik against the bare spaCy pipeline, side by side, in one run.

    python benchmarks/throughput.py [--n 200] [--processes 1 2] [--corpus FILE.jsonl.gz]

For each process count it times, on the same first N articles of the corpus:
  spacy    nlp.pipe of every paragraph with the same model (the bare pipeline, as spaCy ships it),
  spacy-tuned  the same model as realpolitik loads it (realpolitik.nlp.load_nlp): the lemmatizer's
           index lists made sets (index_tables_as_sets), the matrix products done by numpy's
           BLAS instead of thinc's BLIS (gemm_by_numpy), inference-only maxout and hash-embedding
           layers (inference_forwards) and the compiled greedy loop of the parser and NER
           (realpolitik.nlp.transition); same annotations, so this row shows how
           much of realpolitik's speed comes from loading the model well rather than parsing less,
  extract  realpolitik's Pipeline.extract (read, select sentences, parse, resolve actors, code),
  ingest   the same, saving into a fresh DuckDB store.
Each measurement runs in a fresh child process (models loaded before the clock starts, also in
the fork server of realpolitik's workers; starting the workers is inside the clock) and reports
its peak resident memory. The figures are printed as a Markdown table; the ratio extract/spacy
is the headline figure, with the share of sentences
realpolitik parsed, the errors (a run with errors is flagged: its figures mean nothing) and the
load average of the machine at the start and the end (other work on the machine slows every
row; a load above the number of cores makes the absolute figures meaningless). Machines are
noisy: compare the ratios of one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "allsides_world_news.jsonl.gz"
CORPUS_ARTICLES = 5636  # articles in the AllSides corpus (issue 7: all of it in under 6 minutes)


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child(kind: str, processes: int, path: str) -> dict:
    """One measurement, in this (fresh) process."""
    if kind in ("spacy", "spacy-tuned"):
        import spacy

        from realpolitik.nlp import MODEL_NAME, load_nlp, split_paragraphs

        # The bare pipeline as spaCy ships it; "spacy-tuned" with the changes realpolitik makes
        # to the loaded model (realpolitik.nlp.load_nlp).
        nlp = spacy.load(MODEL_NAME) if kind == "spacy" else load_nlp()
        texts = [json.loads(line)["text"] for line in open(path, encoding="utf-8")]
        paragraphs = [p.text for t in texts for p in split_paragraphs(t)]
        start = time.perf_counter()
        tokens = sum(len(doc) for doc in nlp.pipe(paragraphs, batch_size=64, n_process=processes))
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "articles": len(texts), "events": None, "tokens": tokens}
    from realpolitik.pipeline import Pipeline, RunReport, start_worker_server

    pipeline = Pipeline(n_process=processes)
    if processes > 1:
        # The workers' fork server loads the models before the clock too (spaCy's own workers
        # are forked from a process that has them); starting the workers is inside the clock.
        start_worker_server(wait=True)
    report = RunReport()
    if kind == "extract":
        start = time.perf_counter()
        for _ in pipeline.extract([path], report=report):
            pass
        seconds = time.perf_counter() - start
    else:
        from realpolitik.store import open_store

        with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.duckdb") as store:
            start = time.perf_counter()
            pipeline.ingest([path], store, report=report)
            seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "articles": report.processed,
        "events": report.events,
        "errors": report.errors,
        "first_problem": str(report.problems[0]) if report.problems else None,
        "sentences": report.sentences,
        "parsed_sentences": report.parsed_sentences,
    }


def corpus_counts(path: str) -> tuple[int, int]:
    """Sentences and words of the input, counted once the same way for every measurement."""
    from realpolitik.nlp import _sentence_bounds, load_nlp, split_paragraphs

    nlp = load_nlp()
    sentences = words = 0
    for line in open(path, encoding="utf-8"):
        for para in split_paragraphs(json.loads(line)["text"]):
            doc = nlp.make_doc(para.text)
            sentences += len(_sentence_bounds([t.text for t in doc]))
            words += sum(1 for t in doc if not t.is_space and not t.is_punct)
    return sentences, words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="first N articles of the corpus")
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--kinds", nargs="+", default=["spacy", "spacy-tuned", "extract", "ingest"])
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "PROCESSES", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        kind, processes, path = args.child
        cpu_start = _cpu_seconds()
        result = child(kind, int(processes), path)
        result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
        # CPU time of this process (and of the workers it waited for): a measure of the work done
        # that other load on the machine inflates far less than the wall clock (one process only:
        # realpolitik's workers are children of the fork server, not of this process).
        result["cpu_seconds"] = round(_cpu_seconds() - cpu_start, 2)
        print(json.dumps(result))
        return

    load_start = os.getloadavg()
    corpus = Path(args.corpus)
    if not corpus.exists():
        sys.exit(f"corpus not found: {corpus} (the shared data is needed for this benchmark)")
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        opener = gzip.open if corpus.suffix == ".gz" else open
        with opener(corpus, "rt", encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as dst:
            for line in itertools.islice(src, args.n):
                dst.write(line)
        sentences, words = corpus_counts(str(sample))
        rows = []
        for processes in args.processes:
            for kind in args.kinds:
                out = (
                    subprocess.run(
                        [sys.executable, __file__, "--child", kind, str(processes), str(sample)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    .stdout.strip()
                    .splitlines()[-1]
                )
                r = json.loads(out) | {"kind": kind, "processes": processes, "load": os.getloadavg()[0]}
                rows.append(r)
                print(
                    f"  {kind:10s} p={processes}: {r['seconds']:.1f} s (load {r['load']:.2f})",
                    file=sys.stderr,
                    flush=True,
                )
    load_end = os.getloadavg()
    base = {r["processes"]: r["seconds"] for r in rows if r["kind"] == "spacy"}
    cores = os.cpu_count() or 1
    print(
        f"\n{args.n} articles ({sentences} sentences, {words} words) of {corpus.name}; "
        f"{cores} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; load average (1, 5, 15 min) "
        f"{_load(load_start)} at the start, {_load(load_end)} at the end"
        + (
            " (BUSY MACHINE: absolute figures are not meaningful)"
            if max(load_start[0], load_end[0]) > cores
            else ""
        )
        + "\n"
    )
    cpu_base = {r["processes"]: r.get("cpu_seconds") for r in rows if r["kind"] == "spacy"}
    print(
        "| run | processes | seconds | articles/s | sentences/s | words/s | events/s "
        "| sentences parsed | peak RSS MB | speed vs bare spaCy | CPU s (vs spaCy) | errors |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        s = r["seconds"]
        ev = f"{r['events'] / s:.1f}" if r.get("events") is not None else "-"
        ratio = base.get(r["processes"], 0) / s if r["processes"] in base else float("nan")
        share = f"{r['parsed_sentences'] / r['sentences']:.0%}" if r.get("sentences") else "100%"
        errors = r.get("errors") or 0
        cpu = "-"
        if r["processes"] == 1 and r.get("cpu_seconds") and cpu_base.get(1):
            cpu = f"{r['cpu_seconds']:.1f} ({cpu_base[1] / r['cpu_seconds']:.2f}x)"
        print(
            f"| {r['kind']} | {r['processes']} | {s:.1f} | {args.n / s:.2f} | {sentences / s:.0f} | "
            f"{words / s:.0f} | {ev} | {share} | {r['peak_rss_mb']:.0f} | {ratio:.2f}x | {cpu} | {errors} |"
        )
    for r in rows:
        if r.get("errors"):
            print(f"\nERRORS in {r['kind']} p={r['processes']}: {r['errors']}, first: {r['first_problem']}")
    rate = {
        r["processes"]: args.n / r["seconds"] for r in rows if r["kind"] == "ingest" and not r.get("errors")
    }
    for processes, per_second in rate.items():
        print(
            f"\nWhole corpus at the ingest rate of {processes} process(es): "
            f"{CORPUS_ARTICLES / per_second / 60:.1f} min for {CORPUS_ARTICLES} articles"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "n": args.n,
                    "sentences": sentences,
                    "words": words,
                    "load_start": load_start,
                    "load_end": load_end,
                    "rows": rows,
                },
                indent=2,
            )
        )


def _load(avg: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in avg)


if __name__ == "__main__":
    main()
