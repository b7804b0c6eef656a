"""The pipeline: :func:`build` chains the stages and writes the outputs;
:func:`read_and_place`, its first half, is shared with ``validate``.

- :mod:`~ips_map.pipeline.prepare`: read the listing, load the territory, geocode, place;
- :mod:`~ips_map.pipeline.stages`: the build, step by step;
- :mod:`~ips_map.pipeline.tables`: the columns and rows of the CSV outputs;
- :mod:`~ips_map.pipeline.provenance`: the data files and sources a build names.
"""

from ips_map.pipeline.prepare import Prepared, read_and_place
from ips_map.pipeline.stages import BuildResult, build

__all__ = ["BuildResult", "Prepared", "build", "read_and_place"]
