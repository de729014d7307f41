"""The pipeline's own logic: duplicates, id clashes, run reports, the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realpolitik.models import Article, InputProblem
from realpolitik.pipeline import Deduplicator, Pipeline, RunReport


def test_deduplicator_by_url_and_normalised_text() -> None:
    dedup = Deduplicator()
    a = Article(id="a", text="China and Russia  met.", url="https://x.test/1")
    assert not dedup.seen(a)
    assert dedup.seen(Article(id="b", text="CHINA and Russia met.\n"))  # same text, normalised
    assert dedup.seen(Article(id="c", text="Something else", url="https://x.test/1"))  # same URL
    assert not dedup.seen(Article(id="d", text="Something else entirely"))


def test_run_report_exit_codes() -> None:
    r = RunReport()
    assert r.exit_code == 0  # nothing to do is not a failure
    r.add_problem(InputProblem("x.txt", "empty file"))
    assert r.exit_code == 1 and r.errors == 1
    r.duplicates = 1
    assert r.exit_code == 0  # everything was already stored
    r2 = RunReport(processed=1)
    r2.add_problem(InputProblem("y.jsonl", "malformed JSON", line=3, kind="error"))
    assert r2.exit_code == 0
    assert str(r2.problems[0]) == "y.jsonl:3: malformed JSON"


def test_extract_text_python_api() -> None:
    events = Pipeline().extract_text(
        "U.S. President Donald Trump criticized China on Monday.", date="2019-05-06", doc_id="t1"
    )
    assert events, "no event coded"
    e = events[0].to_dict()
    assert e["doc_id"] == "t1"
    assert (e["source"]["country"], e["target"]["country"], e["cameo"]["root"]) == ("USA", "CHN", "11")
    assert e["date"] == "2019-05-06"
    json.dumps(e)  # the contract is plain JSON


def test_same_id_different_text_is_kept_under_a_new_id(tmp_path: Path) -> None:
    from realpolitik.store import open_store

    one, two = tmp_path / "a", tmp_path / "b"
    one.mkdir()
    two.mkdir()
    (one / "story.txt").write_text("Story one\n\nPutin met Xi in Moscow.")
    (two / "story.txt").write_text("Story two\n\nTrump criticized China.")
    pipe = Pipeline()
    with open_store(tmp_path / "rp.duckdb") as store:
        report = pipe.ingest([str(one), str(two)], store)
        assert (report.processed, report.duplicates) == (2, 0)
        assert store.stats()["articles"] == 2
        assert store.has_article_id("story")


def test_worker_processes_give_the_same_events_in_order(tmp_path: Path) -> None:
    stories = [
        {"id": f"s{i}", "text": text}
        for i, text in enumerate(
            [
                "Trump criticized Beijing on Monday over trade.",
                "Russian President Vladimir Putin met Chinese President Xi Jinping in Moscow.",
                "The weather was fine.",
                "Iran accused the United States of sabotage. It denied the charge.",
                "France and Germany signed an agreement with Poland.",
            ]
        )
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in stories))
    one = [e.to_dict() for a in Pipeline().extract([str(path)]) for e in a.events]
    two = [e.to_dict() for a in Pipeline(n_process=2).extract([str(path)]) for e in a.events]
    assert one and one == two


def test_sentence_selection_loses_no_event_of_the_seed(shared_data: Path) -> None:
    record = json.loads((shared_data / "seed" / "expected_events.jsonl").read_text().splitlines()[0])
    article = Article(id="seed", text=record["text"])
    everything = Pipeline(select_sentences=False).analyse(article).events
    selected = Pipeline(select_sentences=True).analyse(article).events
    assert [e.to_dict() for e in selected] == [e.to_dict() for e in everything]


def test_sentence_selection_loses_no_event_of_corpus_articles(shared_data: Path) -> None:
    """Parsing only the selected sentences (two stages: lexical, then the coder's matcher on the
    parse) gives the events of parsing every sentence, on real articles."""
    import gzip
    import itertools

    path = shared_data / "corpus" / "allsides_world_news.jsonl.gz"
    if not path.exists():
        pytest.skip("AllSides corpus not in the shared data")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in itertools.islice(fh, 12)]
    full, selected = Pipeline(select_sentences=False), Pipeline(select_sentences=True)
    parsed = total = 0
    for r in records:
        article = Article(id=r.get("id", "a"), text=r["text"], date=None)
        a = selected.analyse(article)
        parsed, total = parsed + a.parsed, total + a.sentences
        assert [e.to_dict() for e in a.events] == [e.to_dict() for e in full.analyse(article).events]
    assert 0 < parsed < total  # it does skip sentences


def test_event_words_follow_the_lexicon_codes() -> None:
    """A sentence is worth parsing only for a word of a lexicon row with a code, and only if the
    words the row's conditions name are in it: every coded row counts, with its words; a lemma
    whose rows all lack a code ("say") does not count alone."""
    from realpolitik.events.lexicon import patterns
    from realpolitik.selection import EventWords

    def condition_words(row) -> list[str]:  # type: ignore[no-untyped-def]
        """One set of words that meets the row's word conditions."""
        out = [row.particle] if row.particle else []
        for names in (row.objects, row.mods, row.subjects):
            if names:
                out.append(sorted(names)[0])
        if row.prep_object:
            prep, objects = row.prep_object
            out += [prep, *sorted(objects or [])[:1]]
        return out

    words = EventWords()
    coded = {}
    for (lemma, _), rows in patterns().items():
        for r in rows:
            if r.code not in (None, "-") or r.mil_code not in (None, "-"):
                coded.setdefault(lemma, r)
    uncoded = {lemma for lemma, _ in patterns()} - set(coded)
    assert all(words([lemma, *condition_words(row)]) for lemma, row in coded.items())
    alone = [lemma for lemma in uncoded if not words.coded.word_may_trigger(lemma)]
    assert alone and not any(words([lemma]) for lemma in alone)
    if "say" in alone:
        assert not words("Officials say the weather is warm .".split())
        assert words("Officials say Iran must go .".split())  # "X must V" in a statement: a demand


def test_event_words_need_the_words_a_row_names() -> None:
    """A coded word whose rows all name words the sentence lacks (a particle, an object, a
    modifier) cannot fire: the sentence is not parsed. Inflected forms count (spaCy's lemma rules)."""
    from realpolitik.selection import EventWords

    words = EventWords()
    assert not words("They set the table .".split())  # "set fire", "set free"
    assert words("They set fire to the embassy .".split())
    assert not words("They ended the season .".split())  # "end talks", "end aid"...
    assert words("They ended the negotiations .".split())
    assert not words("He passed the law .".split())  # "martial law"
    assert words("The army imposed martial law .".split())
    assert not words("The forces gathered .".split())  # "force out"
    assert words("Rebels forced out the villagers .".split())


def test_selector_parses_the_window_before_an_anaphor() -> None:
    from realpolitik.selection import SentenceSelector

    selector = Pipeline()._selector
    assert isinstance(selector, SentenceSelector)
    sentences = [
        s.split()
        for s in [
            "Vladimir Putin arrived in Ankara .",
            "Crowds lined the streets .",
            "Traffic was slow .",
            "He criticized Turkey over Syria .",
            "Nothing else happened .",
        ]
    ]
    chosen = [False, False, False, True, False]
    keep = selector.with_context(sentences, chosen)
    # "he" looks two sentences back (the resolver's window for pronouns): those are parsed too
    assert keep == [False, True, True, True, False]
    # an anaphor in the window brings its own window
    sentences[2] = "They waved flags .".split()
    assert selector.with_context(sentences, chosen) == [True, True, True, True, False]


def test_a_refused_save_batch_is_saved_article_by_article(tmp_path: Path) -> None:
    """One article the store refuses costs only that article, not its whole save batch."""
    from realpolitik.errors import StoreError
    from realpolitik.pipeline import AnalysedArticle, _save_batch
    from realpolitik.store import open_store

    articles = [Article(id=f"a{i}", text=f"Text {i}.", origin=f"in.jsonl:{i}") for i in range(3)]
    batch = [AnalysedArticle(a, [], []) for a in articles]

    with open_store(tmp_path / "rp.duckdb") as store:
        store.save_article(batch[1].article, [], [])  # already there: the batch is refused
        report = RunReport()
        _save_batch(store, batch, report)
        assert report.processed == 2 and len(report.problems) == 1
        assert "a1" in str(report.problems[0]) and "already stored" in str(report.problems[0])
        assert sorted(r[0] for r in store._rows("SELECT id FROM articles")) == ["a0", "a1", "a2"]
        with pytest.raises(StoreError):
            store.save_articles([(a.article, [], []) for a in batch])


def test_articles_parsed_together_give_what_each_gives_alone(shared_data: Path) -> None:
    """Pipeline.analyse_many parses ANALYSE_GROUP articles at a time, their sentences in common
    batches (realpolitik.nlp.parse_sentences_many ``group``): the same mentions and events, in
    order, as analysing each article alone; a group that is not full (the last one) too."""
    import gzip
    import itertools

    from realpolitik.pipeline import ANALYSE_GROUP

    path = shared_data / "corpus" / "allsides_world_news.jsonl.gz"
    if not path.exists():
        pytest.skip("AllSides corpus not in the shared data")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in itertools.islice(fh, 20, 20 + ANALYSE_GROUP + 3)]
    pipe = Pipeline()

    def articles() -> list[Article]:
        return [Article(id=f"a{i}", text=r["text"], date=None) for i, r in enumerate(records)]

    together = list(pipe.analyse_many(articles()))
    alone = [pipe.analyse(a) for a in articles()]
    assert [a.article.id for a in together] == [f"a{i}" for i in range(len(records))]
    assert sum(len(a.events) for a in together) > 10
    for t, a in zip(together, alone, strict=True):
        assert [e.to_dict() for e in t.events] == [e.to_dict() for e in a.events]
        assert t.mentions == a.mentions
        assert (t.sentences, t.parsed) == (a.sentences, a.parsed)


def test_an_article_that_fails_in_a_group_is_reported_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """When parsing a group of articles fails, each is parsed alone: the one at fault is reported
    as a problem, the others are coded."""
    pipe = Pipeline()
    real_parse = Pipeline._parse

    def parse(self: Pipeline, articles: list[Article]):  # type: ignore[no-untyped-def]
        if any("BOOM" in a.text for a in articles):
            raise ValueError("cannot parse")
        return real_parse(self, articles)

    monkeypatch.setattr(Pipeline, "_parse", parse)
    texts = ["Trump criticized Beijing on Monday.", "BOOM", "Putin met Xi Jinping in Moscow."]
    out = list(pipe._analysed([Article(id=f"a{i}", text=t) for i, t in enumerate(texts)], group=8))
    assert [type(x).__name__ for x in out] == ["AnalysedArticle", "InputProblem", "AnalysedArticle"]
    assert str(out[1]) == "a1: internal error while coding: ValueError: cannot parse"
    assert out[0].events and out[2].events


def test_worker_batches_are_shared_out_in_order() -> None:
    """Full batches go out in groups of ANALYSE_GROUP; a short one is cut so that every worker
    gets a part; the articles keep their order."""
    from realpolitik.pipeline import ANALYSE_GROUP, _groups

    full = list(range(4 * ANALYSE_GROUP))
    assert [len(g) for g in _groups(full, 2)] == [ANALYSE_GROUP] * 4  # type: ignore[arg-type]
    for n in (1, 3, ANALYSE_GROUP, ANALYSE_GROUP + 1, 5 * ANALYSE_GROUP + 1):
        groups = _groups(list(range(n)), 2)  # type: ignore[arg-type]
        assert [x for g in groups for x in g] == list(range(n))
        assert len(groups) == min(n, max(2, -(-n // ANALYSE_GROUP)))
        assert max(map(len, groups)) - min(map(len, groups)) <= 1
    assert [len(g) for g in _groups(list(range(4)), 2, group=1)] == [1, 1, 1, 1]  # type: ignore[arg-type]
