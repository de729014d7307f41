"""Imported once by the fork server of the worker processes (realpolitik.pipeline): the spaCy model,
the knowledge base, the lexicon and the selection tables load there, and every worker forked from
it starts with them in memory (shared with the fork server until written to) instead of loading
its own. Worker start-up, inside the clock of every multi-process run, drops from seconds to a
fraction of one.

Never imported in the main process. A failure here is left for the workers to meet and report:
they load whatever is missing themselves.
"""

from __future__ import annotations

try:
    from realpolitik.pipeline import Pipeline

    Pipeline()  # fills the process-wide caches: load_nlp, default_resolver, default_coder, lexicon
except Exception:  # the workers load what is missing themselves and report the error
    pass
