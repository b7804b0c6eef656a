"""Folium's and branca's templates compiled once (ips_map.precompiled): the code kept is
Jinja's own, keyed by everything it is made from, made again when damaged, and only while
ips_map imports its libraries; a later process compiles none of them, and a build whose
templates and measures are kept loads no scipy."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys

import jinja2
import pytest

from ips_map import precompiled

SOURCE = "{% for x in items %}<b>{{ x|upper }}</b>{% endfor %}\n{# note #}{{ missing }}"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path))
    return tmp_path / "templates"


class Counting:
    """Jinja's compile, counted: which calls reach the real compiler."""

    def __init__(self):
        self.sources = []
        self.real = jinja2.Environment.__dict__["compile"]

    def method(self):
        def compile(env, source, name=None, filename=None, raw=False, defer_init=False):
            self.sources.append(source)
            return self.real(env, source, name, filename, raw, defer_init)

        return compile


@pytest.fixture
def counting(monkeypatch):
    counter = Counting()
    monkeypatch.setattr(jinja2.Environment, "compile", counter.method())
    return counter


def _kept_template(env, source=SOURCE):
    with precompiled.templates_kept():
        return env.from_string(source)


def test_the_code_kept_is_jinjas_own_and_is_read_back(cache, counting):
    env = jinja2.Environment(trim_blocks=True)
    made = _kept_template(env)
    (path,) = cache.glob("chaine-*.code")
    assert counting.sources == [SOURCE]
    found = _kept_template(env)
    assert counting.sources == [SOURCE]  # the second one read, not compiled
    own = counting.real(env, SOURCE)
    for template in (made, found):
        assert template.render(items=["a", "é"]) == jinja2.Template(
            SOURCE, trim_blocks=True
        ).render(items=["a", "é"])
    assert path.read_bytes() == marshal.dumps(own)


def test_every_setting_and_filter_the_code_reads_makes_another_file(cache, counting):
    base = jinja2.Environment()
    _kept_template(base)
    variants = [
        jinja2.Environment(trim_blocks=True),
        jinja2.Environment(lstrip_blocks=True),
        jinja2.Environment(autoescape=True),
        jinja2.Environment(variable_start_string="{{ ", variable_end_string=" }}"),
        jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]),
        jinja2.Environment(keep_trailing_newline=True),
    ]
    with_filter = jinja2.Environment()
    with_filter.filters["upper"] = lambda value: value.lower()
    variants.append(with_filter)
    for env in variants:
        _kept_template(env)
    assert len(list(cache.glob("chaine-*.code"))) == 1 + len(variants)
    assert len(counting.sources) == 1 + len(variants)
    # Another source, another name; the same source and settings, the same file.
    _kept_template(jinja2.Environment(), SOURCE + " ")
    _kept_template(jinja2.Environment())
    assert len(list(cache.glob("chaine-*.code"))) == 2 + len(variants)


def test_functions_for_autoescape_or_finalize_are_never_kept(cache, counting):
    _kept_template(jinja2.Environment(autoescape=jinja2.select_autoescape()))
    _kept_template(jinja2.Environment(finalize=lambda value: value or ""))
    with precompiled.templates_kept():
        jinja2.Environment().compile(SOURCE, raw=True)
    assert not cache.exists() or not list(cache.iterdir())
    assert len(counting.sources) == 3


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00garbage", b"\xe3" + b"\x00" * 40, marshal.dumps("not code")],
    ids=["empty", "garbage", "truncated", "not-code"],
)
def test_a_damaged_file_is_compiled_again_and_written_over(cache, counting, damage):
    env = jinja2.Environment()
    _kept_template(env)
    (path,) = cache.glob("chaine-*.code")
    path.write_bytes(damage)
    again = _kept_template(env)
    assert len(counting.sources) == 2
    assert again.render(items=["x"], missing="") == "<b>X</b>\n"
    assert path.read_bytes() == marshal.dumps(counting.real(env, SOURCE))


def test_a_cache_that_cannot_be_written_still_compiles(tmp_path, monkeypatch, counting):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(blocked))
    assert _kept_template(jinja2.Environment()).render(items=["y"]) == "<b>Y</b>\n"
    assert len(counting.sources) == 1


def test_jinja_is_given_back_after(cache):
    own = jinja2.Environment.__dict__["compile"]
    with pytest.raises(RuntimeError), precompiled.templates_kept():
        assert jinja2.Environment.__dict__["compile"] is not own
        raise RuntimeError
    assert jinja2.Environment.__dict__["compile"] is own


def _process(code: str, cache_dir, memo_dir) -> list[str]:
    environ = dict(os.environ, IPS_MAP_CACHE_DIR=str(cache_dir), IPS_MAP_MEMO_DIR=str(memo_dir))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environ
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_second_process_compiles_no_template_and_loads_no_scipy(tmp_path):
    """The first process makes and keeps; the second, like every later ``ips-map build``,
    finds: Folium's 46 templates are read, and the access measures and suggestions too,
    so that scipy (0.2–0.3 s of imports) is never loaded."""
    code = (
        "import sys, jinja2\n"
        "real = jinja2.Environment.compile\n"
        "count = []\n"
        "def counted(self, *a, **k):\n"
        "    count.append(1)\n"
        "    return real(self, *a, **k)\n"
        "jinja2.Environment.compile = counted\n"
        "import ips_map\n"
        "at_import = len(count)\n"
        "from ips_map.pipeline import stages\n"
        "from ips_map.settings import BuildSettings\n"
        f"stages.build(BuildSettings(out={str(tmp_path / 'out')!r}, image=False))\n"
        "print(at_import, jinja2.Environment.compile is counted, 'scipy' in sys.modules)\n"
    )
    first = _process(code, tmp_path / "cache", tmp_path / "memo")
    second = _process(code, tmp_path / "cache", tmp_path / "memo")
    assert int(first[-3]) >= 40 and first[-2:] == ["True", "True"], first
    assert second[-3:] == ["0", "True", "False"], second


def test_without_a_home_folder_templates_are_compiled_as_usual(monkeypatch, counting):
    for name in ("IPS_MAP_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(precompiled.default_cache_dir.__globals__["Path"], "home", no_home)
    assert _kept_template(jinja2.Environment()).render(items=["z"]) == "<b>Z</b>\n"
    assert len(counting.sources) == 1
