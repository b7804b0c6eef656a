"""The process's own costs: the garbage collector paused while ips_map's libraries are
imported (and the caller's setting put back), and the objects frozen when the console
script's command ends, so that the interpreter's exit skips them."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_leaves_the_collector_as_it_found_it():
    assert _python("import gc, ips_map; print(gc.isenabled())") == "True"
    assert _python("import gc; gc.disable(); import ips_map; print(gc.isenabled())") == "False"


def test_the_console_script_freezes_what_is_left_before_exiting():
    code = (
        "import atexit, gc, sys\n"
        "from ips_map.cli import main\n"
        "atexit.register(lambda: print('gelés', gc.get_freeze_count() > 10_000))\n"
        "sys.argv = ['ips-map', '--version']\n"
        "main()\n"
    )
    out = _python(code)
    assert out.splitlines()[-1] == "gelés True", out
