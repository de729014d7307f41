"""Which sentences of a document are worth parsing: the actors and events stages together.

A sentence can yield an event only if it has an event trigger (a lexicon lemma) and an actor: a
name from the gazetteer, or an anaphoric word pointing back to an earlier one. The sentences that
such a pronoun may point back to are parsed too (the last ``lookback`` sentences naming an actor),
so the resolver still sees the antecedents. See benchmarks/README.md for what it saves and that it
loses no event on the measured corpora.
"""

from __future__ import annotations

from realpolitik.actors.prefilter import SentencePrefilter
from realpolitik.events.prefilter import TriggerFilter


class SentenceSelector:
    def __init__(self, actors: SentencePrefilter, triggers: TriggerFilter, lookback: int = 2) -> None:
        self.actors = actors
        self.triggers = triggers
        self.lookback = lookback

    def __call__(self, sentences: list[list[str]]) -> list[bool]:
        names = [self.actors.names_actor(words) for words in sentences]
        keep = [False] * len(sentences)
        named_before: list[int] = []  # indexes of earlier sentences that name an actor
        for i, words in enumerate(sentences):
            refers = bool(named_before) and self.actors.may_refer_back(words)
            if (names[i] or refers) and self.triggers(words):
                keep[i] = True
                if refers:
                    for j in named_before[-self.lookback :]:
                        keep[j] = True
            if names[i]:
                named_before.append(i)
        return keep
