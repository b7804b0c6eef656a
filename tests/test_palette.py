"""The map's colours differ in lightness, not only in hue (issue 11: not by colour alone)."""

from __future__ import annotations

from itertools import combinations

import pytest

from ips_map.render import palette
from ips_map.render.palette import MIN_CONTRAST, contrast_ratio, relative_luminance


def test_luminance_and_ratio_follow_wcag():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == 1
    # The old status colours, the same grey (issue 11): the check would have failed them.
    assert contrast_ratio("#2c7bb6", "#d7191c") < 1.2


def test_every_two_statuses_differ_in_lightness():
    for first, second in combinations(palette.STATUS_COLOURS.values(), 2):
        assert contrast_ratio(first, second) >= MIN_CONTRAST, (first, second)


@pytest.mark.parametrize("n_classes", [1, 2, 3, 4])
def test_adjacent_rate_classes_differ_in_lightness(n_classes):
    classes = [palette.RATE_ZERO_COLOUR, *palette.rate_colours(n_classes)]
    assert len(classes) == n_classes + 1
    for lighter, darker in zip(classes, classes[1:]):
        assert relative_luminance(lighter) > relative_luminance(darker)
        assert contrast_ratio(lighter, darker) >= MIN_CONTRAST, (lighter, darker)


def test_no_data_is_distinct_from_zero():
    ratio = contrast_ratio(palette.NO_DATA_COLOUR, palette.RATE_ZERO_COLOUR)
    assert ratio >= MIN_CONTRAST


def test_hatching_shows_on_the_uncovered_colour():
    for status in palette.HATCHED_STATUSES:
        assert contrast_ratio(palette.HATCH_COLOUR, palette.STATUS_COLOURS[status]) >= 3


def test_the_page_uses_the_palette():
    from ips_map.render import map as render_map_module

    assert render_map_module.STATUS_COLOURS is palette.STATUS_COLOURS
    assert render_map_module.RATE_COLOURS is palette.RATE_COLOURS
