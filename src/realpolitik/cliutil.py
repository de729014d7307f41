"""Small helpers every command module shares: error exits, dates and choices from options."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

_err = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on stderr and return the Exit to raise (1: could not run; 2: usage)."""
    _err.print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True)
    return typer.Exit(code)


def parse_date(value: str | None, name: str) -> date | None:
    """An option's YYYY-MM-DD value, or a usage error (exit 2) naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def check_choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    """An option's value, lower-cased, if it is one of ``allowed``; else a usage error."""
    v = value.lower()
    if v not in allowed:
        raise typer.BadParameter(f"choose one of {', '.join(allowed)}", param_hint=name)
    return v
