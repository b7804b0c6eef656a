"""Reading a listing of services: where it comes from, its file format, its values.

- :mod:`~ips_map.listing.source`: a file or an http(s) URL (downloaded and cached);
- :mod:`~ips_map.listing.formats`: CSV, workbooks (XLSX, XLS, ODS) and GeoJSON read as one
  raw table;
- :mod:`~ips_map.listing.columns`: the canonical columns and the header names accepted;
- :mod:`~ips_map.listing.values`: what each value means, as people write it;
- :mod:`~ips_map.listing.read`: the rows turned into records, each problem recorded
  (:func:`read_listing`);
- :mod:`~ips_map.listing.template`: the empty listing that ``ips-map template`` writes.
"""

from ips_map.listing.read import Listing, read_listing

__all__ = ["Listing", "read_listing"]
