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

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_STYLE = re.compile(r"<style(?P<attrs>[^>]*)>(?P<body>.*?)</style>", re.S | re.I)
_STYLE_ATTR = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""", re.I)
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


def policy(page: str) -> str:
    """The policy that allows exactly the inline scripts and styles of ``page``.

    A script with ``src`` is loaded, not inline (allowed by 'self'); one with another
    ``type`` (the page's JSON data) is not run, so it needs no hash.
    """
    scripts = [
        source_hash(m["body"]) for m in _SCRIPT.finditer(page) if not _NOT_RUN.search(m["attrs"])
    ]
    styles = [source_hash(m["body"]) for m in _STYLE.finditer(page)]
    attributes = [source_hash(html.unescape(a or b)) for a, b in _STYLE_ATTR.findall(page)]
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
