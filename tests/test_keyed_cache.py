"""One cache file of many entries (gioia.keyed_cache): what a run puts is read by the
next once saved; entries the corpus no longer has are dropped; a damaged line loses only
its own entry; an unchanged cache is not written again."""

from __future__ import annotations

from gioia.keyed_cache import KeyedCacheFile


def test_saved_entries_are_read_by_the_next_run(tmp_path):
    path = tmp_path / "cache" / "entries.jsonl"
    first = KeyedCacheFile(path)
    assert first.get("a") is None
    first.put("a", [[0, 5], [6, 9]])
    first.put("b", {"hits": [], "lemmas": {"vent": 2}})
    assert not path.exists()  # nothing is written before save
    first.save(["a", "b"])
    second = KeyedCacheFile(path)
    assert second.get("a") == [[0, 5], [6, 9]]
    assert second.get("b") == {"hits": [], "lemmas": {"vent": 2}}


def test_save_keeps_only_the_keys_given(tmp_path):
    path = tmp_path / "entries.jsonl"
    cache = KeyedCacheFile(path)
    for key in ("a", "b", "c"):
        cache.put(key, key.upper())
    cache.save(["c", "a"])  # b's transcript is gone from the corpus
    again = KeyedCacheFile(path)
    assert (again.get("a"), again.get("b"), again.get("c")) == ("A", None, "C")
    again.save(["a"])  # dropping one is a change, written without any put
    assert path.read_text(encoding="utf-8").count("\n") == 1


def test_a_damaged_line_loses_only_its_entry(tmp_path):
    path = tmp_path / "entries.jsonl"
    path.write_text(
        '{"key": "a", "value": 1}\n{"key": "b", "val\n[1, 2]\n{"key": "c", "value": 3}\n'
        '{"key": "d", "value": [1, }\n{"key": "e", "value": 5',  # a bad value; a torn end
        encoding="utf-8",
    )
    cache = KeyedCacheFile(path)
    found = [cache.get(key) for key in "abcde"]
    assert found == [1, None, 3, None, None]
    cache.put("d", 4)  # made again
    cache.save("abcde")
    assert [KeyedCacheFile(path).get(key) for key in "abcde"] == [1, None, 3, 4, None]
    path.write_bytes(b"\xff\xfe not text")
    assert KeyedCacheFile(path).get("a") is None


def test_an_unchanged_cache_is_not_written_again(tmp_path):
    path = tmp_path / "entries.jsonl"
    cache = KeyedCacheFile(path)
    cache.put("a", 1)
    cache.save(["a"])
    before = path.stat().st_mtime_ns
    path.chmod(0o444)  # a write would replace it with a writable file
    reread = KeyedCacheFile(path)
    assert reread.get("a") == 1
    reread.save(["a"])
    assert path.stat().st_mtime_ns == before and path.stat().st_mode & 0o777 == 0o444


def test_a_line_made_in_another_process_is_saved_as_made(tmp_path):
    """A worker process (--jobs) sends the line it made; the saving process writes it."""
    path = tmp_path / "entries.jsonl"
    line = KeyedCacheFile.line("P1", {"hits": [[0, 4, "c1"]], "lemmas": {"café": 1}})
    assert line == '{"key": "P1", "value": {"hits": [[0, 4, "c1"]], "lemmas": {"café": 1}}}\n'
    cache = KeyedCacheFile(path)
    cache.put_line("P1", line)
    cache.save(["P1"])
    assert path.read_text(encoding="utf-8") == line
    assert KeyedCacheFile(path).get("P1") == {"hits": [[0, 4, "c1"]], "lemmas": {"café": 1}}


def test_entries_not_changed_are_written_back_as_they_were_read(tmp_path):
    path = tmp_path / "entries.jsonl"
    # Written by hand with other spacing inside the value: a re-encoding would change it.
    kept = '{"key": "a", "value": [1,2,  3]}\n'
    path.write_text(kept + '{"key": "b", "value": 2}\n', encoding="utf-8")
    cache = KeyedCacheFile(path)
    cache.put("b", 20)
    assert cache.line_of("a") == kept
    cache.save(["a", "b"])
    assert path.read_text(encoding="utf-8") == kept + '{"key": "b", "value": 20}\n'
