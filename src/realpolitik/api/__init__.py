"""SERVING: the REST API and the web dashboard, one FastAPI application over one open store.

>>> from realpolitik.store import open_store
>>> from realpolitik.api import create_app
>>> app = create_app(open_store("realpolitik.duckdb"), token="secret")   # doctest: +SKIP

``realpolitik serve`` (see :mod:`realpolitik.api.commands`) runs it with uvicorn.
"""

from realpolitik.api.app import DEFAULT_MAX_BODY, create_app
from realpolitik.api.state import ServerState

__all__ = ["DEFAULT_MAX_BODY", "ServerState", "create_app"]
