"""Decoding bytes to text: UTF-8 first, then a careful guess, and a clear refusal of binaries."""

from __future__ import annotations

import codecs
import re

from realpolitik.errors import InputError

# Longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than tab/newlines/form feed/escape, C1 controls, and U+FFFD: text has few.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")
_SAMPLE_CHARS = 65536
_MAX_CONTROL_RATIO = 0.02
# Below this share of non-ASCII bytes, a text that is valid cp1252 is taken as cp1252 (Western
# European text with a few accents or curly quotes); charset detection is unreliable on so few
# distinctive bytes (it calls a short cp1252 text "cp1006"). Texts in Cyrillic, Greek, ... have far
# more non-ASCII bytes and go to detection.
_CP1252_MAX_NON_ASCII = 0.15
# charset-normalizer's language coherence above which its guess is trusted over cp1252.
_MIN_COHERENCE = 0.3
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _clearly_text(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return True
    return len(_CONTROL.findall(sample)) <= _MAX_CONTROL_RATIO * len(sample)


def _decode_bom(data: bytes) -> tuple[str, str] | None:
    """Decode text that starts with a byte order mark (BOM stripped), or None if it does not."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                if name == "utf-8":
                    return data[len(bom) :].decode("utf-8"), "utf-8-sig"
                return data.decode(name).removeprefix("\ufeff"), name
            except UnicodeDecodeError:
                return None
    return None


def guess_decode(data: bytes, declared: str | None = None) -> tuple[str, str] | None:
    """Decode bytes that are not UTF-8: the declared charset, cp1252, then detection.

    Returns ``(text, encoding)``, or None when nothing decodes it as clean text.
    """
    if declared:
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            if _clearly_text(text):
                return text, codecs.lookup(declared).name
    non_ascii = len(_NON_ASCII.findall(data[: 4 * _SAMPLE_CHARS]))
    western = _try_cp1252(data)
    if western is not None and non_ascii <= _CP1252_MAX_NON_ASCII * min(len(data), 4 * _SAMPLE_CHARS):
        return western, "cp1252"
    import charset_normalizer  # slow to import; only non-UTF-8 input needs it

    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.coherence >= _MIN_COHERENCE:
        text = str(best)
        if _clearly_text(text):
            return text, best.encoding
    # Detection did not recognise a language (short texts): Western text is the likely case.
    if western is not None:
        return western, "cp1252"
    if best is None:
        return None
    text = str(best)
    return (text, best.encoding) if _clearly_text(text) else None


def _try_cp1252(data: bytes) -> str | None:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if _clearly_text(text) else None


def decode_bytes(
    data: bytes, origin: str, *, declared: str | None = None, line: int | None = None
) -> tuple[str, str]:
    """Decode a whole document to ``(text, encoding)`` or raise :class:`InputError`.

    UTF-8 (with or without BOM) is the norm and is tried first; other encodings are accepted
    when they clearly give text, and the caller records the encoding in the article metadata.
    """
    if not data.strip():
        raise InputError(origin, "empty file", line)
    decoded = _decode_bom(data)
    if decoded is None:
        if b"\x00" in data:
            raise InputError(origin, "binary file (contains NUL bytes)", line)
        try:
            decoded = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            decoded = guess_decode(data, declared)
            if decoded is None:
                raise InputError(origin, "binary file (not text in any known encoding)", line) from None
    text, encoding = decoded
    if not _clearly_text(text):
        raise InputError(origin, "binary file (mostly control characters)", line)
    if not text.strip():
        raise InputError(origin, "empty file", line)
    return text, encoding


def looks_binary(head: bytes) -> bool:
    """A quick test of a stream's first bytes, before streaming it line by line."""
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if b"\x00" in head:
        return True
    text = head.decode("utf-8", errors="ignore") if head else ""
    if len(text) < len(head) // 2:  # mostly invalid UTF-8: ask the full decoder
        return guess_decode(head) is None
    return not _clearly_text(text)
