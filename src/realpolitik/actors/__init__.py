"""Actors: find who acts in a text and resolve each mention to a CAMEO actor code, time-aware.

Public API (stable)::

    from realpolitik.actors import ActorResolver, KnowledgeBase, default_resolver

    kb = KnowledgeBase.load()                   # states, organisations, leaders (package data files)
    kb.actor("CHNGOV")                          # Actor(code="CHNGOV", name="China (government)", ...)
    kb.country_name("CHN")                      # "China"
    mentions = default_resolver().resolve(parsed, article_date)   # list[Mention], sorted by (start, end)

See :mod:`realpolitik.actors.resolver` for the rules and ``data/README.md`` for the data's origin.
"""

from __future__ import annotations

from realpolitik.actors.kb import KnowledgeBase
from realpolitik.actors.resolver import ActorResolver, default_resolver

__all__ = ["ActorResolver", "KnowledgeBase", "default_resolver"]
