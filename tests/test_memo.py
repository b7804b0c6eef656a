"""Results kept between builds (ips_map.memo): found again only for the same inputs and
code, made again when damaged, optional when the cache cannot be written; a build gives the
same bytes whether it finds them, makes them or finds them damaged."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ips_map import memo
from ips_map.pipeline import stages
from ips_map.settings import BuildSettings


@pytest.fixture
def folder(tmp_path, monkeypatch):
    path = tmp_path / "calculs"
    monkeypatch.setenv("IPS_MAP_MEMO_DIR", str(path))
    return path


class Maker:
    """Makes a small result and counts how often it was asked to."""

    def __init__(self, value=3.0):
        self.calls = 0
        self.value = value

    def __call__(self):
        self.calls += 1
        return {"x": np.arange(4) * self.value, **memo.text_arrays("t", ["é", "", "b"])}


def _read(arrays):
    return arrays["x"].tolist(), memo.read_texts(arrays, "t")


def test_found_again_for_the_same_inputs_only(folder):
    make = Maker()
    first = memo.remembered("essai", ["a", np.arange(3)], make, _read)
    again = memo.remembered("essai", ["a", np.arange(3)], make, _read)
    assert first == again == ([0.0, 3.0, 6.0, 9.0], ["é", "", "b"])
    assert make.calls == 1
    memo.remembered("essai", ["a", np.arange(4)], make, _read)
    memo.remembered("essai", ["a", np.arange(3).astype(float)], make, _read)
    memo.remembered("autre", ["a", np.arange(3)], make, _read)
    assert make.calls == 4
    assert len(list(folder.glob("*.npz"))) == 4


def test_inputs_that_print_alike_are_told_apart():
    def digest(*inputs):
        return memo.digest_of("essai", inputs)

    assert digest(["ab", "c"]) != digest(["a", "bc"])
    assert digest(["a\0", "b"]) != digest(["a", "\0b"]) != digest(["a\0\0b"])
    assert digest([""]) != digest([]) != digest(["", ""])
    assert digest("1") != digest(1) != digest(b"1")
    assert digest(["a", None]) != digest(["a", "None"])
    assert digest(np.array([1, 2], np.int64)) != digest(np.array([1, 2], np.int32))
    assert digest(["a"], ["b"]) != digest(["a", "b"])
    assert digest(["x"]) == digest(np.array(["x"], dtype=object))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other arrays", "empty"])
def test_a_damaged_result_is_made_again(folder, damage):
    make = Maker()
    expected = memo.remembered("essai", ["a"], make, _read)
    (path,) = folder.glob("essai-*.npz")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x93NUMPY" + os.urandom(200))
    elif damage == "other arrays":
        np.savez(path, y=np.zeros(2))
    else:
        path.write_bytes(b"")
    assert memo.remembered("essai", ["a"], make, _read) == expected
    assert make.calls == 2
    assert memo.remembered("essai", ["a"], make, _read) == expected  # written over
    assert make.calls == 2


def test_a_cache_that_cannot_be_written_only_keeps_nothing(tmp_path, monkeypatch):
    blocked = tmp_path / "fichier"
    blocked.write_text("pas un dossier")
    monkeypatch.setenv("IPS_MAP_MEMO_DIR", str(blocked / "calculs"))
    make = Maker()
    assert memo.remembered("essai", ["a"], make, _read)[1] == ["é", "", "b"]
    assert memo.remembered("essai", ["a"], make, _read)[1] == ["é", "", "b"]
    assert make.calls == 2


def test_objects_are_refused_before_anything_is_written(folder):
    with pytest.raises(TypeError, match="objets"):
        memo.remembered("essai", ["a"], lambda: {"x": np.array([{}], dtype=object)}, _read)
    assert not folder.exists() or not any(folder.iterdir())


def test_results_of_other_code_go_and_at_most_keep_stay(folder, monkeypatch):
    for n in range(3):
        memo.remembered("essai", [str(n)], Maker(), _read)
    memo.remembered("autre", ["x"], Maker(), _read)
    # The package's source changes: the next result written takes the place of its name's.
    monkeypatch.setattr(memo, "_code_part", lambda: "0123456789ab")
    memo.remembered("essai", ["nouveau"], Maker(), _read)
    names = sorted(path.name.split("-")[:2] for path in folder.glob("*.npz"))
    assert names == [["autre", memo.code_fingerprint()[:12]], ["essai", "0123456789ab"]]
    for n in range(memo.KEEP + 3):
        memo.remembered("essai", [f"n{n}"], Maker(), _read)
        for path in folder.glob("essai-*.npz"):  # each written later than the ones before
            os.utime(path, (path.stat().st_mtime - 1,) * 2)
    assert len(list(folder.glob("essai-*.npz"))) == memo.KEEP


@given(st.lists(st.text()))
def test_texts_come_back_as_they_were_kept(values):
    arrays = memo.text_arrays("t", values)
    assert memo.read_texts(arrays, "t") == values


def test_texts_of_other_lengths_are_refused():
    arrays = memo.text_arrays("t", ["abc", "d"])
    arrays["t_count"] = np.array(3)
    with pytest.raises(ValueError):
        memo.read_texts(arrays, "t")


def _outputs(out):
    return {
        path.name: path.read_bytes()
        for path in sorted(out.iterdir())
        if path.is_file() and path.name != "summary.json"
    }


def test_a_build_gives_the_same_bytes_made_found_or_damaged(folder, tmp_path):
    def build(name):
        out = tmp_path / name
        stages.build(BuildSettings(out=out, build_date="2026-01-01", image=False, suggest=5))
        return _outputs(out)

    _forget_the_process_copies()  # the session's other builds kept theirs
    made = build("made")
    kept = sorted(folder.glob("*.npz"))
    assert {path.name.split("-")[0] for path in kept} >= {
        "cles_communes",
        "communes_projetees",
        "index_noms",
        "lignes_communes",
        "mesures_acces",
        "recherche_communes",
        "suggestions",
    }
    stamps = {path: path.stat().st_mtime_ns for path in kept}
    # In another process nothing is kept in memory: the process's own copies are emptied.
    _forget_the_process_copies()
    assert build("found") == made
    assert {path: path.stat().st_mtime_ns for path in kept} == stamps  # only read
    for path in kept:
        path.write_bytes(path.read_bytes()[:100])
    _forget_the_process_copies()
    assert build("damaged") == made


def _forget_the_process_copies():
    from ips_map.access import _territories, stage
    from ips_map.pipeline import access
    from ips_map.render import search_index
    from ips_map.territory import gazetteer

    _territories._LANDS.clear()
    stage._KEYS.clear()
    access._LAST_STATIC.clear()
    search_index._MADE.clear()
    gazetteer._SHARED.clear()


def test_the_name_index_found_is_the_one_made_and_the_one_commune_key_gives(folder):
    from ips_map.territory.data import load_communes, load_old_codes
    from ips_map.territory.gazetteer import Gazetteer, commune_key

    communes, old = load_communes(), load_old_codes()
    made = Gazetteer(communes, old).by_name
    (kept,) = folder.glob("index_noms-*.npz")
    found = Gazetteer(communes, old).by_name
    expected: dict[str, list[str]] = {}
    pairs = [*zip(communes["nom"], communes["code_commune"])]
    pairs += [*zip(old["ancien_nom"], old["code_commune"])]
    for name, code in pairs:
        if name:
            codes = expected.setdefault(commune_key(name), [])
            if code not in codes:
                codes.append(code)
    assert dict(made.items()) == dict(found.items()) == expected
    assert found.get("paris") == ["75056"] and found.get("nulle part") is None
    assert "saint denis" in found and len(found["saint denis"]) > 1
    kept.write_bytes(kept.read_bytes()[:50])  # damaged: made again
    assert dict(Gazetteer(communes, old).by_name.items()) == expected
