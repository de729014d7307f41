"""spaCy's parser and NER with realpolitik's compiled greedy loop (``realpolitik.nlp._greedy``).

The loop is a C++ extension built when the package is installed (setup.py; it needs Cython and a
C++ compiler, which ``make`` has). Where it could not be built, the components stay spaCy's own:
same annotations, slower (``FAST_LOOP`` says which).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

try:
    from realpolitik.nlp._greedy import greedy_parse
except ImportError:  # not built: no compiler at install time, or an incompatible spaCy
    greedy_parse = None

FAST_LOOP = greedy_parse is not None
# spaCy's transition-based components (spacy.pipeline.transition_parser.Parser subclasses)
TRANSITION_FACTORIES = ("parser", "ner", "beam_parser", "beam_ner")


class GreedyTransitionComponent:
    """A spaCy parser or NER component whose greedy decoding runs realpolitik's loop.

    It stands in the pipeline in place of ``component`` and does what the component's own
    ``pipe``, ``__call__`` and ``predict`` do (spacy/pipeline/transition_parser.pyx: batches
    sorted by length, parsed in quarters, annotations set in place, errors to the component's
    error handler), calling the compiled loop where spaCy calls ``greedy_parse``; anything
    else (its model, labels, ``set_annotations``) is the component's. Beam decoding and a batch
    of empty Docs go to the component itself."""

    def __init__(self, component: Any) -> None:
        self.component = component

    def __getattr__(self, name: str) -> Any:
        if name == "component":  # not set yet: an instance being copied or unpickled
            raise AttributeError(name)
        return getattr(self.component, name)

    def __repr__(self) -> str:
        return f"GreedyTransitionComponent({self.component!r})"

    def predict(self, docs: Doc | list[Doc]) -> Any:
        from spacy.tokens import Doc

        if isinstance(docs, Doc):
            docs = [docs]
        component = self.component
        if component.cfg.get("beam_width", 1) != 1 or not any(len(doc) for doc in docs):
            return component.predict(docs)
        component._ensure_labels_are_added(docs)
        return greedy_parse(component, docs)

    def __call__(self, doc: Doc) -> Doc:
        component = self.component
        try:
            component.set_annotations([doc], self.predict([doc]))
        except Exception as exc:
            component.get_error_handler()(component.name, component, [doc], exc)
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        from spacy.util import minibatch

        component = self.component
        for batch in minibatch(docs, size=batch_size):
            in_order = list(batch)
            try:
                by_length = sorted(in_order, key=len)
                for part in minibatch(by_length, size=max(batch_size // 4, 2)):
                    part = list(part)
                    component.set_annotations(part, self.predict(part))
                yield from in_order
            except Exception as exc:
                component.get_error_handler()(component.name, component, in_order, exc)


def use_fast_loop(nlp: Language) -> list[str]:
    """Put a GreedyTransitionComponent in place of each of ``nlp``'s parser and NER components
    (greedy ones on thinc's CPU ops); returns their names ([] when the loop is not built)."""
    if not FAST_LOOP:
        return []
    from thinc.api import NumpyOps

    swapped: list[str] = []
    # Language keeps its components as (name, component) pairs in ``_components``; get_pipe,
    # pipe and __call__ all read them there.
    for i, (name, component) in enumerate(nlp._components):
        if isinstance(component, GreedyTransitionComponent):
            continue
        factory = nlp.get_pipe_meta(name).factory
        model = getattr(component, "model", None)
        if (
            factory in TRANSITION_FACTORIES
            and getattr(component, "cfg", {}).get("beam_width", 1) == 1
            and isinstance(getattr(model, "ops", None), NumpyOps)
        ):
            nlp._components[i] = (name, GreedyTransitionComponent(component))
            swapped.append(name)
    return swapped
