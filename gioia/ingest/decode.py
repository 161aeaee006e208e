"""Bytes → text: the encoding of a transcript file, and its line endings.

The order of trust is: the encoding the user named for the file in gioia.yaml, then a
byte-order mark, then UTF-16 recognised by its NUL bytes (Word's "Unicode text" saved
without a mark), then UTF-8, and only then a guess among legacy encodings.

Windows-1252, Mac Roman and Latin-1 decode any bytes of Western text without an error, so
the bytes alone cannot tell them apart; and charset-normalizer, which knows many more
encodings, guesses badly on the few dozen non-ASCII bytes of an English transcript (Mac
Roman curly quotes come out as HP Roman-8, Latin-1 accents as Windows-1250). So every
candidate reading — the three Western ones and charset-normalizer's best — is scored by
how plausible its non-ASCII characters are where they stand: a curly quote where quotes
go, an accented letter inside a word of the same case and script, rather than "isnÕt",
"ìYesî" or "Ïðèâåò". The best score wins; ties go to Windows-1252, then Mac Roman, then
Latin-1, then charset-normalizer's guess, which wins for Cyrillic, Greek or CJK text.
Central European text in Windows-1250 whose letters Windows-1252 also has may be read as
Windows-1252: the user names the encoding in gioia.yaml then.

Encodings are reported by their Python codec name (``codecs.lookup(...).name``: "utf-8",
"cp1252", "mac-roman", "iso8859-1", "utf-16-le"), which gioia.yaml accepts back.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

import charset_normalizer

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

# UTF-16 text in a Latin script has a NUL in (nearly) every other byte: the high byte of
# each ASCII character. Binary data has NULs too, but not so regularly on one side.
_UTF16_NUL_SHARE = 0.3
_UTF16_STRAY_NUL_SHARE = 0.05

# Western candidates, in the order that breaks ties. Windows-1252 first: it is what
# Windows writes, and where it decodes the same as Latin-1 (no bytes 0x80-0x9F) the two
# are the same reading.
_WESTERN_ENCODINGS = ("cp1252", "mac-roman", "iso8859-1")

# Scores of one non-ASCII character, by how likely it is where it stands.
_QUOTE_IN_PLACE = 3
_COMMON_LETTER = 2
_DASH_OR_ELLIPSIS = 2
_OTHER_LETTER = 1
_EVERYDAY_SIGN = 1
_RARE_SYMBOL = -2
_OUT_OF_PLACE = -3
_NOT_TEXT = -6

# Quotes open after a space ("„Ja“", "«Oui»", "»Ja«") and close before one: only the
# apostrophe (and the acute accent some type for it) stands between two letters.
_QUOTES = frozenset("‘“”«»‹›")
_OPENING_ONLY = frozenset("„‚¿¡")
_DASHES_AND_ELLIPSIS = frozenset("–—…")
# The letters of Western European languages that a transcript is likely to contain.
_COMMON_LETTERS = frozenset("àâäáãåæçèéêëíîïñóôöõøúùûüýÿßœÀÂÄÁÃÅÆÇÈÉÊËÍÎÏÑÓÔÖÕØÚÙÛÜÝŒ")
# Accented letters that are words on their own (French "à", Italian "è", Swedish "ö").
_ONE_LETTER_WORDS = frozenset("àèéåöÀÈÉÅÖ")
_EVERYDAY_SIGNS = frozenset("\u00a0\u00ad°£€©®™§•·×±½¼¾²³")
# Characters that a wrong Western reading produces and people rarely type: Mac Roman's
# readings of Windows-1252 letters (ß → ﬂ, ä → ‰, ö → ˆ, ü → ¸) and the other way round.
_RARE = frozenset("†‡‰¶¦¨¯¸˘˙˚˛˝ˇˆ˜¬¤¢¥¹ﬁﬂµªºıƒ")
# Printable ASCII and line endings: transcripts in any encoding gioia guesses keep them.
_ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\n\r"
# Control characters a text file may hold: tab, line endings, form feed, DOS end of file.
_TEXT_CONTROLS = frozenset("\t\n\r\x0c\x1a")


@dataclass(frozen=True)
class _Reading:
    """One candidate decoding of the bytes, and how plausible its characters are."""

    encoding: str
    text: str
    score: int


def decode(data: bytes, *, source: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` with LF line endings, and the name of the encoding used.

    ``source`` names the file in messages (and in the gioia.yaml hint); ``encoding`` is
    the user's per-file override and wins over everything else.
    """
    if encoding is not None:
        name = _codec_name(encoding, source)
        text = _decode_as(data, name, source, overridden=True)
    elif name := _name_from_byte_order_mark(data) or _utf16_without_mark(data):
        text = _decode_as(data, name, source, overridden=False)
    elif b"\x00" in data:
        raise _not_text(source, _line_number(data, data.find(b"\x00")))
    else:
        try:
            name, text = "utf-8", data.decode("utf-8")
        except UnicodeDecodeError as exc:
            name, text = _guess_legacy(data, exc, source)
    # Python keeps a UTF-8 mark as U+FEFF when the user names plain utf-8.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if (nul := text.find("\x00")) >= 0:
        raise _not_text(source, text.count("\n", 0, nul) + 1)
    return text, name


def _codec_name(encoding: str, source: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise _unknown_encoding(encoding, source) from None


def _decode_as(data: bytes, name: str, source: str, *, overridden: bool) -> str:
    try:
        return data.decode(name)
    except UnicodeError as exc:  # some codecs (punycode) raise it, not UnicodeDecodeError
        raise _undecodable(data, exc, name, source, overridden=overridden) from None
    except LookupError:  # a codec that is not a text encoding, such as base64
        raise _unknown_encoding(name, source) from None


def _name_from_byte_order_mark(data: bytes) -> str | None:
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return name
    return None


def _utf16_without_mark(data: bytes) -> str | None:
    if len(data) < 2 or len(data) % 2:
        return None
    units = len(data) // 2
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    for name, high_nuls, low_nuls in (
        ("utf-16-le", odd_nuls, even_nuls),
        ("utf-16-be", even_nuls, odd_nuls),
    ):
        if high_nuls >= _UTF16_NUL_SHARE * units and low_nuls <= _UTF16_STRAY_NUL_SHARE * units:
            try:
                text = data.decode(name)
            except UnicodeDecodeError:  # unpaired surrogates: not UTF-16 after all
                return None
            # Binary data can have the same pattern (16-bit numbers), but does not read.
            return name if _plausibility(text) >= 0 else None
    return None


def _guess_legacy(data: bytes, not_utf8: UnicodeDecodeError, source: str) -> tuple[str, str]:
    readings = [
        _Reading(name, text, _plausibility(text)) for name, text in _candidate_decodings(data)
    ]
    # max() keeps the first of equal scores: candidates come in the order of preference.
    best = max(readings, key=lambda reading: reading.score)
    if best.score < 0:
        raise _undetectable(data, not_utf8, source)
    return best.encoding, best.text


def _candidate_decodings(data: bytes) -> Iterator[tuple[str, str]]:
    guess = charset_normalizer.from_bytes(data).best()
    guessed = [codecs.lookup(guess.encoding).name] if guess is not None else []
    seen: set[str] = set()
    for name in (*_WESTERN_ENCODINGS, *guessed):
        # UTF-16 and EBCDIC guesses turn the ASCII of a transcript into other characters;
        # UTF-16 files were recognised before by their NUL bytes.
        if _ASCII_PROBE.decode(name, errors="replace") != _ASCII_PROBE.decode("ascii"):
            continue
        try:
            text = data.decode(name)
        except UnicodeError:  # Windows-1252 leaves five bytes undefined
            continue
        if text not in seen:
            seen.add(text)
            yield name, text


def _plausibility(text: str) -> int:
    """The sum of the scores of the non-ASCII characters of ``text``, and of control
    characters, which no reading of a text file should produce."""
    score = 0
    position = 0
    for is_letter, group in groupby(text, key=str.isalpha):
        run = "".join(group)
        if is_letter:
            score += sum(_word_scores(run))
        else:
            score += sum(
                _sign_score(ch, text[i - 1] if i else " ", text[i + 1 : i + 2] or " ")
                for i, ch in enumerate(run, start=position)
                if not (ch.isascii() and (ch.isprintable() or ch in _TEXT_CONTROLS))
            )
        position += len(run)
    return score


def _word_scores(word: str) -> Iterator[int]:
    if word.isascii():
        return
    scripts = {_script(ch) for ch in word}
    non_ascii = sum(not ch.isascii() for ch in word)
    # A wrong reading of Cyrillic or Greek bytes gives words made of accented letters
    # ("Ïðèâåò"), a reading in the wrong script mixes scripts in a word ("cafй"). Polish
    # or Czech words may have as many accented letters as plain ones ("Zażółć").
    garbled = ("LATIN" in scripts and len(scripts) > 1) or (
        scripts == {"LATIN"} and non_ascii >= 3 and 3 * non_ascii > 2 * len(word)
    )
    for k, ch in enumerate(word):
        if not ch.isascii():
            yield _OUT_OF_PLACE if garbled else _letter_score(word, k)


def _letter_score(word: str, k: int) -> int:
    ch = word[k]
    if ch in _RARE:
        return _RARE_SYMBOL
    after = word[k + 1 : k + 2]
    # A capital starts a word ("Élan") or is one of all capitals ("CAFÉ"): not "isnÕt",
    # "ZŸrich" or "ÑJa" (Windows-1252 readings of Mac Roman's ’, ü and „).
    misplaced_capital = ch.isupper() and not (
        word.isupper() or (k == 0 and (not after or after.islower()))
    )
    # "ìYesî": Mac Roman's reading of Windows-1252's “Yes”.
    small_before_capital = ch.islower() and after.isupper()
    lone_latin = len(word) == 1 and _script(ch) == "LATIN" and ch not in _ONE_LETTER_WORDS
    if misplaced_capital or small_before_capital or lone_latin:
        return _OUT_OF_PLACE
    return _COMMON_LETTER if ch in _COMMON_LETTERS else _OTHER_LETTER


def _sign_score(ch: str, before: str, after: str) -> int:
    """The score of a character that is not a letter, from its neighbours."""
    category = unicodedata.category(ch)
    if ch in _EVERYDAY_SIGNS:
        return _EVERYDAY_SIGN
    if category.startswith("C"):  # controls, unassigned and private-use code points
        return _NOT_TEXT
    if ch in _QUOTES:
        return _OUT_OF_PLACE if before.isalnum() and after.isalnum() else _QUOTE_IN_PLACE
    if ch in _OPENING_ONLY:
        return _OUT_OF_PLACE if before.isalnum() else _QUOTE_IN_PLACE
    if ch == "’":
        return _OUT_OF_PLACE if before.isspace() and after.isspace() else _QUOTE_IN_PLACE
    if ch == "´":  # some write the acute accent for an apostrophe: "doesn´t"
        return _QUOTE_IN_PLACE if before.isalpha() and after.isalpha() else _RARE_SYMBOL
    if ch in _DASHES_AND_ELLIPSIS:
        return _DASH_OR_ELLIPSIS
    if ch in _RARE or category.startswith("S"):
        return _RARE_SYMBOL
    # Other punctuation (CJK full stops, Arabic commas), digits, marks and spaces.
    return _EVERYDAY_SIGN if category.startswith("P") else 0


def _script(letter: str) -> str:
    """The first word of a letter's Unicode name: LATIN, CYRILLIC, GREEK, CJK, ..."""
    return unicodedata.name(letter, "").partition(" ")[0]


def _unknown_encoding(encoding: str, source: str) -> TranscriptError:
    return TranscriptError(
        f"unknown encoding {encoding!r} given for {source}",
        hint="use a Python codec name such as utf-8, cp1252, latin-1 or mac-roman",
        location=Location(source),
    )


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
        return TranscriptError(f"cannot be read as {what}", hint=hint, location=Location(source))
    line = _line_number(data, exc.start)
    return TranscriptError(
        f"cannot be read as {what}: byte 0x{data[exc.start]:02x} on line {line}",
        hint=hint,
        location=Location(source, line),
    )


def _undetectable(data: bytes, not_utf8: UnicodeDecodeError, source: str) -> TranscriptError:
    line = _line_number(data, not_utf8.start)
    return TranscriptError(
        f"the file is not UTF-8 (byte 0x{data[not_utf8.start]:02x} on line {line}) and no "
        "other encoding gives readable text",
        hint=_encoding_hint(source, "cp1252") + " (or whichever encoding it was saved in)",
        location=Location(source, line),
    )


def _not_text(source: str, line: int) -> TranscriptError:
    return TranscriptError(
        f"the file contains NUL bytes (the first on line {line}): it is not a text file, "
        "or its encoding cannot be detected",
        hint="if it is text, " + _encoding_hint(source, "utf-16-le") + ", or save it as UTF-8",
        location=Location(source, line),
    )


def _line_number(data: bytes, offset: int) -> int:
    """1-based line of a byte offset, counting LF, CRLF and CR endings alike."""
    before = data[:offset]
    return before.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


def _encoding_hint(source: str, example: str) -> str:
    return f"name its encoding in gioia.yaml: settings: encoding: {{{source}: {example}}}"
