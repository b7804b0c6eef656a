"""The process's own costs: OpenBLAS asked for one thread before numpy loads (unless the
caller said otherwise), the garbage collector paused while ips_map's libraries are imported
(and the caller's setting put back), and the objects frozen when the console script's
command ends, so that the interpreter's exit skips them."""

from __future__ import annotations

import os
import subprocess
import sys


def _python(code: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_plain_run_has_one_blas_thread_collects_again_and_freezes_at_the_end():
    code = (
        "import atexit, gc, os, sys\n"
        "from ips_map.cli import main\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'), gc.isenabled())\n"
        "atexit.register(lambda: print(gc.get_freeze_count() > 10_000))\n"
        "sys.argv = ['ips-map', '--version']\n"
        "main()\n"
    )
    out = _python(code)
    assert out[:2] == ["1", "True"] and out[-1] == "True", out


def test_the_callers_settings_are_kept():
    code = (
        "import gc, os; gc.disable(); import ips_map\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'), gc.isenabled())\n"
    )
    assert _python(code, OPENBLAS_NUM_THREADS="2") == ["2", "False"]
    # numpy loaded first: its threads are already there, the variable is left alone.
    code = "import numpy, os, ips_map; print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    assert _python(code) == ["None"]
