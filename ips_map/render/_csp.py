"""The page's Content-Security-Policy: only its own inline scripts and styles may run.

The policy is computed once the page is complete (:func:`with_policy`, called when the page
is rendered), from the page's own bytes: each inline ``<script>`` and ``<style>`` is allowed
by the sha256 of its text, each ``style="…"`` attribute (the legends' swatches) by the hash of
its value ('unsafe-hashes', which allows those exact values and nothing else). Scripts beside
the page (``<script src>``, the communes' search index) are allowed by 'self'; images only
from ``data:`` and ``blob:`` URLs; everything else is refused (``default-src 'none'``): no
connection, frame, font, object or form target. The same page gives the same policy, so
that two builds of the same inputs stay byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

#: Where the policy goes: right after the charset, before any script or style of the head
#: (a policy set by ``<meta>`` applies to what follows it).
PLACEHOLDER = "<!--ips-csp-->"

#: The page is searched in its UTF-8 bytes with ASCII letters lowered (:func:`policy`):
#: the same offsets as the page's bytes, tag and attribute names in one case, so that the
#: patterns start with a literal and each closing tag is found by ``bytes.find`` (a lazy
#: ``.*?</script>`` over the page's data took 70 ms for 100,000 services).
_OPENING = {name: re.compile(rb"<" + name + rb"([^>]*)>") for name in (b"script", b"style")}
#: A ``style`` attribute, after a blank (checked apart: a pattern that starts with one is
#: tried at every position).
_STYLE_ATTR = re.compile(rb"""style=(?:"([^"]*)"|'([^']*)')""")
#: A script that is loaded (``src``) or not run (a ``type`` other than JavaScript's or a
#: module's: the page's JSON data). The quote, when there is one, is part of the match
#: before the type is looked at: « type="module" » is run.
_NOT_RUN = re.compile(r"""\bsrc\s*=|\btype\s*=\s*(?!(?:"|'|)(?:text/javascript|module)\b)""", re.I)


def source_hash(text: str) -> str:
    """The CSP source for a text: ``'sha256-…'`` of its UTF-8 bytes."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _unique(items) -> list[str]:
    """Items in their first order, each once."""
    return list(dict.fromkeys(items))


def _elements(data: bytes, low: bytes, name: bytes):
    """``(attributes, text)`` of each ``<name …>…</name>`` of the page, in order (as
    ``<name([^>]*)>(.*?)</name>`` would find them, case aside), from its bytes ``data`` and
    :func:`policy`'s ``low``."""
    closing = b"</" + name + b">"
    position = 0
    while (opening := _OPENING[name].search(low, position)) is not None:
        end = low.find(closing, opening.end())
        if end < 0:
            return
        attributes = data[opening.start(1) : opening.end(1)].decode("utf-8")
        yield attributes, data[opening.end() : end].decode("utf-8")
        position = end + len(closing)


def policy(page: str) -> str:
    """The policy that allows exactly the inline scripts and styles of ``page``.

    A script with ``src`` is loaded, not inline (allowed by 'self'); one with another
    ``type`` (the page's JSON data) is not run, so it needs no hash.
    """
    data = page.encode("utf-8")
    low = data.lower()  # ASCII letters only: the same length, the same offsets
    scripts = [
        source_hash(body)
        for attrs, body in _elements(data, low, b"script")
        if not _NOT_RUN.search(attrs)
    ]
    styles = [source_hash(body) for _, body in _elements(data, low, b"style")]
    attributes = [
        source_hash(html.unescape(data[slice(*m.span(1 if m[1] is not None else 2))].decode()))
        for m in _STYLE_ATTR.finditer(low)
        if low[m.start() - 1 : m.start()].isspace()
    ]
    style_src = _unique(styles)
    if attributes:
        style_src += ["'unsafe-hashes'", *_unique(attributes)]
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(["'self'", *_unique(scripts)]),
            "style-src " + " ".join(style_src),
            "img-src data: blob:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def with_policy(page: str) -> str:
    """The page with its policy written in place of :data:`PLACEHOLDER`."""
    head, found, tail = page.partition(PLACEHOLDER)
    if not found:
        raise ValueError("page without a place for its Content-Security-Policy")
    rules = policy(tail)  # quotes and hashes: no character to escape in an attribute
    meta = f'<meta http-equiv="Content-Security-Policy" content="{rules}">'
    return head + meta + tail
