"""The package's layers hold: the import-linter contract of pyproject.toml is kept."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


#: The house's limits: a module a newcomer reads in one sitting, a function on one screen.
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _python_files() -> list[Path]:
    return sorted((ROOT / "ips_map").rglob("*.py"))


def test_no_module_is_longer_than_the_limit():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _python_files()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_longer_than_the_limit():
    long = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = n
    assert long == {}


def test_every_module_says_what_it_is_for():
    missing = [
        str(path.relative_to(ROOT))
        for path in _python_files()
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []
