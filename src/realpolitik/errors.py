"""realpolitik's own exceptions: every failure a user can cause is one of these."""

from __future__ import annotations


class RealpolitikError(Exception):
    """Base class of the errors realpolitik raises on purpose."""


class InputError(RealpolitikError):
    """An input (file, line, URL) that cannot be read. Names where it happened."""

    def __init__(self, origin: str, message: str, line: int | None = None) -> None:
        self.origin = origin
        self.line = line
        self.message = message
        where = f"{origin}:{line}" if line is not None else origin
        super().__init__(f"{where}: {message}")


class StoreError(RealpolitikError):
    """The store cannot be opened, migrated or written."""


class ModelError(RealpolitikError):
    """A language model is missing or is not the one realpolitik was pinned to."""
