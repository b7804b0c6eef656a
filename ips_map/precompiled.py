"""Folium's and branca's templates compiled once, not at every start.

Folium and branca make their templates when they are imported: 46 ``Template(...)`` class
attributes, each parsed by Jinja and compiled to Python, about 0.12–0.17 s of every build
(the largest part of ``import folium``). Jinja's own bytecode cache only serves templates
that a loader finds, never those made from a string. :func:`templates_kept` fills that gap
while ``ips_map`` imports its libraries, and only then: each template's code object is kept
in ``templates/`` of :func:`~ips_map.settings.default_cache_dir` (``marshal``, as Python's
``__pycache__`` and Jinja's bytecode cache keep theirs), named after the sha256 of
everything the code is made from:

- the template's source, name and file name;
- the environment's class and every setting the parser and the code generator read
  (delimiters, whitespace rules, autoescape, extensions, filters and tests with how they are
  called);
- the versions of Jinja and of Python's bytecode.

So an edited template, another Jinja or another Python makes another name. An environment
whose autoescape or finalize is a function (the code could depend on what it does) is
compiled as usual, as is a template given as a parsed tree or compiled "raw". A file that
cannot be read (damaged, truncated, not a code object) is compiled again and written over;
one that cannot be written is only a template compiled at each start.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import types
from collections.abc import Iterator

from ips_map.outputs import OutputError, write_atomic
from ips_map.settings import default_cache_dir

#: The environment settings that the lexer, the parser or the code generator read.
_SETTINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
    "autoescape",
)


def _callables(functions: dict) -> list[tuple]:
    """Filters or tests as the code generator sees them: by name, with the function's
    qualified name and how it is called (context, eval context or environment passed)."""
    return sorted(
        (
            name,
            getattr(function, "__module__", ""),
            getattr(function, "__qualname__", type(function).__qualname__),
            str(getattr(function, "jinja_pass_arg", "")),
        )
        for name, function in functions.items()
    )


def environment_fingerprint(environment) -> str | None:
    """The sha256 of what ``environment`` compiles a template with, or None when its
    autoescape or finalize is a function (never kept). Made for each template: filters
    may be added to an environment after its first template."""
    import jinja2

    if callable(environment.autoescape) or environment.finalize is not None:
        return None
    kinds = [type(environment), environment.code_generator_class]
    kinds += [type(extension) for extension in environment.extensions.values()]
    parts = [
        "jinja2",
        jinja2.__version__,
        importlib.util.MAGIC_NUMBER.hex(),
        *(f"{kind.__module__}.{kind.__qualname__}" for kind in kinds),
        *(repr(getattr(environment, name)) for name in _SETTINGS),
        repr(_callables(environment.filters)),
        repr(_callables(environment.tests)),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _kept_path(environment, source, name, filename, raw, defer_init):
    """Where the code of this compile is kept, or None when it is not kept."""
    fingerprint = environment_fingerprint(environment) if isinstance(source, str) else None
    if fingerprint is None or raw:
        return None
    digest = hashlib.sha256(fingerprint.encode())
    for part in (name, filename, defer_init, source):
        data = repr(part).encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data) + data)
    try:
        return default_cache_dir() / "templates" / f"chaine-{digest.hexdigest()}.code"
    except RuntimeError:  # no home folder to find the cache in: compiled as usual
        return None


def _kept_compile(original):
    """``Environment.compile``, its code objects kept by :func:`templates_kept`."""

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        path = _kept_path(self, source, name, filename, raw, defer_init)
        if path is not None:
            with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
                code = marshal.loads(path.read_bytes())
                if isinstance(code, types.CodeType):
                    return code
        code = original(self, source, name, filename, raw, defer_init)
        if path is not None:
            with contextlib.suppress(OutputError):  # its folder made by write_atomic
                write_atomic(path, marshal.dumps(code))
        return code

    compile.__wrapped__ = original
    return compile


@contextlib.contextmanager
def templates_kept() -> Iterator[None]:
    """While it lasts, templates made from a string are compiled once and kept (see the
    module's docstring); Jinja's own ``Environment.compile`` is put back after."""
    import jinja2

    original = jinja2.Environment.__dict__["compile"]
    jinja2.Environment.compile = _kept_compile(original)
    try:
        yield
    finally:
        jinja2.Environment.compile = original
