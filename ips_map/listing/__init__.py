"""Reading a listing of services: where it comes from, its file format, its values.

- :mod:`~ips_map.listing.source`: a file or an http(s) URL (downloaded and cached);
- :mod:`~ips_map.listing.formats`: CSV, workbooks (XLSX, XLS, ODS) and GeoJSON read as one
  raw table;
- :mod:`~ips_map.listing.read`: the header mapped to the columns, each value normalised,
  each problem recorded (:func:`read_listing`);
- :mod:`~ips_map.listing.template`: the empty listing that ``ips-map template`` writes.
"""

from ips_map.listing.read import Listing, read_listing

__all__ = ["Listing", "read_listing"]
