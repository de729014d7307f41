"""Event coding: who did what to whom, when, in CAMEO and PLOVER.

>>> from realpolitik.events import cameo_code, plover_for
>>> cameo_code("163").name
'Impose embargo, boycott, or sanctions'
>>> plover_for("163").event
'COERCE'
"""

from __future__ import annotations

from realpolitik.events.cameo import cameo_code, plover_for
from realpolitik.events.coder import EventCoder, default_coder

__all__ = ["EventCoder", "cameo_code", "default_coder", "plover_for"]
