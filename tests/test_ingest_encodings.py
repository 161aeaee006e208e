"""Text transcripts as researchers have them: legacy encodings (Windows-1252, Mac Roman,
Latin-1), UTF-16 from Word's "Unicode text", byte-order marks, classic Mac and Windows line
endings, and files that are not text at all. The bytes are written here, so each test
shows exactly what a file holds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gioia.errors import TranscriptError
from gioia.ingest import read_transcript
from gioia.ingest.decode import decode
from gioia.models import Transcript

# Windows-1252 (Word on Windows): 0x93/0x94 double quotes, 0x92 apostrophe, 0x96 en dash.
CP1252_QUOTES = b"Interviewer: Did you say \x93Yes\x94?\r\nP1: I don\x92t know \x96 maybe.\r\n"
# Mac Roman (Word on a classic Mac): 0xD2/0xD3 double quotes, 0xD5 apostrophe, 0xD0 en dash.
MAC_ROMAN_QUOTES = b"Interviewer: Did you say \xd2Yes\xd3?\rP1: I don\xd5t know \xd0 maybe.\r"
QUOTES_TEXT = "Interviewer: Did you say “Yes”?\n\nP1: I don’t know – maybe."


def read_bytes(tmp_path: Path, data: bytes, **kwargs) -> Transcript:
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    return read_transcript(path, transcript_id="t", rel_path="t.txt", **kwargs)


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (CP1252_QUOTES, "cp1252", QUOTES_TEXT),
        (MAC_ROMAN_QUOTES, "mac-roman", QUOTES_TEXT),
        (
            b"Interviewer: Isn\xd5t it \xd2hard\xd3?\nP1: It\xd5s fine.\n",
            "mac-roman",
            "Interviewer: Isn’t it “hard”?\n\nP1: It’s fine.",
        ),
        # Latin-1 bytes without 0x80-0x9F are the same text in Windows-1252, which is
        # what Windows writes: gioia names that.
        (
            b"Interviewer: Caf\xe9?\nP1: Ja, M\xfcller sagt \xab\xfcber\xbb.\n",
            "cp1252",
            "Interviewer: Café?\n\nP1: Ja, Müller sagt «über».",
        ),
        (
            b"Interviewer: Caf\x8e?\nP1: Ja, M\x9fller.\n",
            "mac-roman",
            "Interviewer: Café?\n\nP1: Ja, Müller.",
        ),
        # German quotes: „ opens low (0x84), “ closes (0x93).
        (b"P1: \x84Ja\x93, sagte er.\n", "cp1252", "P1: „Ja“, sagte er."),
        # Some Mac writers type the acute accent (0xAB) for an apostrophe.
        (b"Q: Why?\rA: It doesn\xabt matter.\r", "mac-roman", "Q: Why?\n\nA: It doesn´t matter."),
    ],
    ids=[
        "cp1252",
        "mac-roman",
        "mac-roman-apostrophes",
        "latin-1",
        "mac-roman-accents",
        "cp1252-german-quotes",
        "mac-roman-acute-apostrophe",
    ],
)
def test_legacy_encodings_are_detected(tmp_path, data, encoding, text):
    transcript = read_bytes(tmp_path, data)
    assert (transcript.encoding, transcript.text) == (encoding, text)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffInterviewer: Café?\r\nP1: Yes – “sure”.\r\n".encode("utf-16-le"), "utf-16"),
        ("\ufeffInterviewer: Café?\r\nP1: Yes – “sure”.\r\n".encode("utf-16-be"), "utf-16"),
        ("Interviewer: Café?\r\nP1: Yes – “sure”.\r\n".encode("utf-16-le"), "utf-16-le"),
        ("Interviewer: Café?\r\nP1: Yes – “sure”.\r\n".encode("utf-16-be"), "utf-16-be"),
        ("\ufeffInterviewer: Café?\nP1: Yes – “sure”.\n".encode("utf-32-le"), "utf-32"),
        (b"\xef\xbb\xbf" + "Interviewer: Café?\nP1: Yes – “sure”.\n".encode(), "utf-8-sig"),
    ],
    ids=["utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be", "utf-32-bom", "utf-8-bom"],
)
def test_unicode_with_and_without_a_byte_order_mark(tmp_path, data, encoding):
    transcript = read_bytes(tmp_path, data)
    assert transcript.encoding == encoding
    assert transcript.text == "Interviewer: Café?\n\nP1: Yes – “sure”."


@pytest.mark.parametrize(
    "data",
    [
        b"Interviewer: Caf\x8e?\rP1: Yes.\r\rP1: More.\r",
        b"Interviewer: Caf\x8e?\r\nP1: Yes.\r\n\r\nP1: More.\r\n",
        b"Interviewer: Caf\x8e?\nP1: Yes.\n\nP1: More.\n",
    ],
    ids=["cr", "crlf", "lf"],
)
def test_line_endings_become_lf_and_keep_line_numbers(tmp_path, data):
    text, encoding = decode(data, source="t.txt")
    assert (text, encoding) == ("Interviewer: Café?\nP1: Yes.\n\nP1: More.\n", "mac-roman")
    transcript = read_bytes(tmp_path, data)
    assert [turn.line for turn in transcript.turns] == [1, 2, 4]


def test_tab_separated_words_are_collapsed(tmp_path):
    """PDF exports (PDPilot's MAXQDA transcripts) separate words with tabs."""
    transcript = read_bytes(tmp_path, b"Dan:\t\n\tHow\tdid\tit\tgo?\nParticipant:\t\n\tFine.\n")
    assert transcript.text == "Dan: How did it go?\n\nParticipant: Fine."


def test_an_override_wins_over_detection(tmp_path):
    assert read_bytes(tmp_path, MAC_ROMAN_QUOTES).encoding == "mac-roman"
    transcript = read_bytes(tmp_path, MAC_ROMAN_QUOTES, encoding="cp1252")
    assert transcript.encoding == "cp1252"
    assert transcript.text == "Interviewer: Did you say ÒYesÓ?\n\nP1: I donÕt know Ð maybe."


def test_other_scripts_are_left_to_charset_normalizer():
    data = "Интервьюер: Привет, как дела?\nP1: Хорошо, спасибо.\n".encode("cp1251")
    assert decode(data, source="t.txt") == (data.decode("cp1251"), "cp1251")


def test_a_binary_file_is_one_clear_error(tmp_path):
    generator = random.Random(3)
    data = bytes(generator.randrange(256) for _ in range(2000))
    assert b"\x00" in data
    with pytest.raises(TranscriptError) as caught:
        read_bytes(tmp_path, data)
    error = caught.value
    assert "the file contains NUL bytes" in error.message and "not a text file" in error.message
    assert "\n" not in str(error) and "\n" not in error.hint
    assert "settings: encoding: {t.txt: utf-16-le}" in error.hint
    assert error.location is not None and error.location.file == "t.txt"


def test_bytes_no_encoding_reads_as_text_are_one_clear_error(tmp_path):
    with pytest.raises(TranscriptError) as caught:
        read_bytes(tmp_path, b"Interviewer: ok\nP1: \x81\x02\x8d\n")
    error = caught.value
    assert error.message == (
        "the file is not UTF-8 (byte 0x81 on line 2) and no other encoding gives readable text"
    )
    assert error.hint == (
        "name its encoding in gioia.yaml: settings: encoding: {t.txt: cp1252} "
        "(or whichever encoding it was saved in)"
    )
    assert str(error.location) == "t.txt:2"


def test_any_bytes_give_text_or_a_transcript_error():
    generator = random.Random(11)
    pieces = [b"P1: ", b"Interviewer:", b"word ", b"\r", b"\n", b"\r\n", b"\x00", b"\x01",
              b"\x92", b"\xd5", b"\xe9", b"\x8e", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf",
              b"\xc3", b"\xa9", b"\x81", b"\xf0\x9f"]  # fmt: skip
    for _ in range(300):
        data = b"".join(generator.choice(pieces) for _ in range(generator.randint(0, 30)))
        try:
            text, _ = decode(data, source="t.txt")
        except TranscriptError as error:
            assert error.hint
        else:
            assert "\r" not in text and "\x00" not in text
