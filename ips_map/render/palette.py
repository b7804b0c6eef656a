"""The map's colours, shared by the page and the static images (``carte.png``, ``carte.pdf``).

Colour-blind-safe ColorBrewer colours (RdYlBu for the coverage status, Blues for the rate)
chosen so that they also differ in **lightness**: printed in black and white or seen by a
reader who does not tell the hues apart, adjacent classes stay apart, at least
:data:`MIN_CONTRAST` in WCAG relative luminance (``tests/test_palette.py`` checks it). "Non
couvert" is also hatched (:data:`HATCH_COLOUR` lines over its colour), on the page (an SVG
pattern, ``static/hatch.js``) and in the images, so that status is never carried by colour
alone.
"""

from __future__ import annotations

#: Coverage status: dark blue (covered), pale yellow (planned), orange-red (not covered, and
#: hatched). Luminance ratios: 4.6 (couvert / en projet), 2.3 (en projet / non couvert),
#: 2.0 (couvert / non couvert).
STATUS_COLOURS = {"couvert": "#2166ac", "en_projet": "#fee090", "non_couvert": "#f46d43"}
#: Population unknown (rate view): a mid grey, 1.9:1 from zero's colour.
NO_DATA_COLOUR = "#aaaaaa"
#: Services per 100,000 inhabitants: zero has its own pale colour, then sequential blues,
#: the darkest for the highest class (fewer classes take the darkest ones).
RATE_ZERO_COLOUR = "#fee0d2"
RATE_COLOURS = ("#6baed6", "#3182bd", "#08519c", "#08306b")
#: The lines of the "non couvert" hatching (dark, so that they show in greyscale too).
HATCH_COLOUR = "#5a1a08"
#: Id of the page's SVG pattern for "non couvert" (``static/hatch.js``).
HATCH_ID = "ips-hatch-non-couvert"
#: The statuses drawn hatched.
HATCHED_STATUSES = ("non_couvert",)
#: Smallest luminance ratio between adjacent classes.
MIN_CONTRAST = 1.5


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a ``#rrggbb`` colour (0 black to 1 white)."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    low, high = sorted((relative_luminance(first), relative_luminance(second)))
    return (high + 0.05) / (low + 0.05)


def rate_colours(n_classes: int) -> tuple[str, ...]:
    """The colours of ``n_classes`` rate classes (0 to 4): the darkest ones."""
    return RATE_COLOURS[-n_classes:] if n_classes else ()
