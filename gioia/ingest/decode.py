"""Bytes → text: the encoding of a transcript file, and its line endings.

The order of trust is: an encoding the user named in gioia.yaml, then a byte-order mark,
then UTF-8. Anything else is an error that tells the user how to name the encoding;
guessing legacy encodings belongs where that error is raised, in :func:`decode`.
"""

from __future__ import annotations

import codecs

from gioia.errors import Location, TranscriptError

__all__ = ["decode"]

# UTF-32 marks first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, *, source: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` with LF line endings, and the name of the encoding used.

    ``source`` names the file in messages (and in the gioia.yaml hint); ``encoding`` is
    the user's per-file override and wins over everything else.
    """
    if encoding is not None:
        name = _codec_name(encoding, source)
    else:
        name = _name_from_byte_order_mark(data) or "utf-8"
    try:
        text = data.decode(name)
    except UnicodeError as exc:  # some codecs (punycode) raise it, not UnicodeDecodeError
        raise _undecodable(data, exc, name, source, overridden=encoding is not None) from None
    except LookupError:  # a codec that is not a text encoding, such as base64
        raise _unknown_encoding(name, source) from None
    # Python keeps a UTF-8 mark as U+FEFF when the user names plain utf-8.
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise TranscriptError(
            f"{source} contains NUL characters: it is not a text file, or it is UTF-16 "
            "without a byte-order mark",
            hint=_encoding_hint(source, "utf-16") + ", or save it as UTF-8 text",
            location=Location(source),
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), name


def _codec_name(encoding: str, source: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise _unknown_encoding(encoding, source) from None


def _unknown_encoding(encoding: str, source: str) -> TranscriptError:
    return TranscriptError(
        f"unknown encoding {encoding!r} given for {source}",
        hint="use a Python codec name such as utf-8, cp1252, latin-1 or mac-roman",
        location=Location(source),
    )


def _name_from_byte_order_mark(data: bytes) -> str | None:
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return name
    return None


def _undecodable(
    data: bytes, exc: UnicodeError, name: str, source: str, *, overridden: bool
) -> TranscriptError:
    if overridden:
        what = f"{name} (the encoding gioia.yaml names for it)"
        hint = f"check the encoding given for {source} under settings: encoding in gioia.yaml"
    else:
        what = name.upper()
        hint = _encoding_hint(source, "cp1252") + " (or whichever encoding it was saved in)"
    if not isinstance(exc, UnicodeDecodeError):
        return TranscriptError(
            f"{source} cannot be read as {what}", hint=hint, location=Location(source)
        )
    line = _line_number(data, exc.start)
    return TranscriptError(
        f"{source} cannot be read as {what}: byte 0x{data[exc.start]:02x} on line {line}",
        hint=hint,
        location=Location(source, line),
    )


def _line_number(data: bytes, offset: int) -> int:
    """1-based line of a byte offset, counting LF, CRLF and CR endings alike."""
    before = data[:offset]
    return before.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


def _encoding_hint(source: str, example: str) -> str:
    return f"name its encoding in gioia.yaml: settings: encoding: {{{source}: {example}}}"
