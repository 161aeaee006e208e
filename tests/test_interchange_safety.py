"""Files made to attack whoever opens them are refused before anything is written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from gioia.interchange import InterchangeError, UnsafeFileError, import_qdc, import_qdpx, safety

PROJECT = (
    '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
    '<Sources><TextSource guid="0d1c9a3e-0000-4000-8000-0000000000a1" name="x">'
    "<PlainTextContent>P1: hello</PlainTextContent></TextSource></Sources></Project>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&lol4;"/>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0d1c9a3e-0000-4000-8000-'
    '000000000001" name="&secret;" isCodable="true"/></Codes></CodeBook>'
)


def archive(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as handle:
        for name, data in entries.items():
            handle.writestr(name, data)
    return path


@pytest.fixture
def study(tmp_path) -> Path:
    """A study with files in it: an import that is refused must leave them as they are."""
    root = tmp_path / "study"
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "P1.txt").write_text("P1: kept")
    return root


def files_in(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("entry", ["../evil.txt", "sources/../../evil.txt", "/etc/evil", "C:/evil"])
def test_zip_slip_is_refused(tmp_path, study, entry):
    before = files_in(study)
    bad = archive(tmp_path / "slip.qdpx", {"project.qde": PROJECT, entry: b"owned"})
    with pytest.raises(UnsafeFileError, match="outside the archive"):
        import_qdpx(bad, study)
    assert files_in(study) == before
    assert not (tmp_path / "evil.txt").exists()


def test_a_backslash_zip_slip_is_refused(tmp_path, study):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as handle:
        handle.writestr("project.qde", PROJECT)
        handle.writestr(zipfile.ZipInfo("sources\\..\\..\\evil.txt"), b"owned")
    (tmp_path / "slip.qdpx").write_bytes(buffer.getvalue())
    with pytest.raises(UnsafeFileError, match="outside the archive"):
        import_qdpx(tmp_path / "slip.qdpx", study)


def test_billion_laughs_is_refused(tmp_path, study):
    before = files_in(study)
    bad = archive(tmp_path / "lol.qdpx", {"project.qde": BILLION_LAUGHS})
    with pytest.raises(UnsafeFileError, match="billion laughs"):
        import_qdpx(bad, study)
    assert files_in(study) == before


def test_entities_in_a_codebook_are_refused(tmp_path):
    qdc = tmp_path / "bad.qdc"
    qdc.write_text(EXTERNAL_ENTITY)
    with pytest.raises(UnsafeFileError, match="entities"):
        import_qdc(qdc, tmp_path / "new-study")
    assert not (tmp_path / "new-study").exists()


def test_a_zip_bomb_is_refused(tmp_path, study):
    before = files_in(study)
    bomb = archive(
        tmp_path / "bomb.qdpx", {"project.qde": PROJECT, "sources/x.txt": bytes(20_000_000)}
    )
    with pytest.raises(UnsafeFileError, match="inflates"):
        import_qdpx(bomb, study)
    assert files_in(study) == before


def test_a_zip_bomb_inside_a_word_source_is_refused(tmp_path, study):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("word/document.xml", bytes(20_000_000))
    project = PROJECT.replace("<PlainTextContent>P1: hello</PlainTextContent>", "").replace(
        'name="x"', 'name="x" richTextPath="internal://x.docx"'
    )
    bad = archive(
        tmp_path / "bomb.qdpx", {"project.qde": project, "sources/x.docx": inner.getvalue()}
    )
    with pytest.raises(UnsafeFileError, match="inflates"):
        import_qdpx(bad, study)


def test_oversized_entries_and_archives_are_refused(tmp_path, study, monkeypatch):
    big = archive(tmp_path / "big.qdpx", {"project.qde": PROJECT, "sources/x.txt": "x" * 5000})
    monkeypatch.setattr(safety, "LIMITS", safety.Limits(entry_bytes=4000))
    with pytest.raises(UnsafeFileError, match=r"x.txt unpacks to 4.88 kB, more than the 3.91 kB"):
        import_qdpx(big, study)
    monkeypatch.setattr(safety, "LIMITS", safety.Limits(total_bytes=5000))
    with pytest.raises(UnsafeFileError, match="unpack to more than the 4.88 kB"):
        import_qdpx(big, study)
    monkeypatch.setattr(safety, "LIMITS", safety.Limits(archive_bytes=100))
    with pytest.raises(UnsafeFileError, match="more than the 0 MB"):
        import_qdpx(big, study)
    monkeypatch.setattr(safety, "LIMITS", safety.Limits(entries=1))
    with pytest.raises(UnsafeFileError, match="holds 2 files"):
        import_qdpx(big, study)
    assert files_in(study) == {"transcripts/P1.txt": b"P1: kept"}


def test_a_declared_size_that_lies_is_refused(tmp_path, study):
    """An entry whose zip directory understates its size passes the size checks, but
    its bytes are read no further than declared, and the mismatch refuses the file."""
    good = archive(tmp_path / "a.qdpx", {"project.qde": PROJECT, "sources/x.txt": bytes(50_000)})
    data = bytearray(good.read_bytes())
    entry = data.rindex(b"PK\x01\x02")  # the central directory header of sources/x.txt
    data[entry + 24 : entry + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10
    lying = tmp_path / "lying.qdpx"
    lying.write_bytes(bytes(data))
    before = files_in(study)
    with pytest.raises(InterchangeError, match="cannot read sources/x.txt"):
        import_qdpx(lying, study)
    assert files_in(study) == before


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"sources/x.txt": b"x"}, "no project.qde"),
        ({"project.qde": "<Project"}, "not well-formed"),
        ({"project.qde": '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'}, "not a REFI-QDA project"),
    ],
)
def test_files_that_are_no_project(tmp_path, entries, message):
    with pytest.raises(InterchangeError, match=message):
        import_qdpx(archive(tmp_path / "x.qdpx", entries), tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_a_file_that_is_no_zip(tmp_path):
    (tmp_path / "x.qdpx").write_text("hello")
    with pytest.raises(InterchangeError, match="not a REFI-QDA project archive"):
        import_qdpx(tmp_path / "x.qdpx", tmp_path / "new")
