"""Exceptions raised by ips-map.

Every failure that a user can fix derives from :class:`IpsMapError`; the CLI turns
them into a one-line message and exit code 1 instead of a traceback.
"""

from __future__ import annotations


class IpsMapError(Exception):
    """Base class of every error that ips-map reports to a user."""


class DataFileError(IpsMapError):
    """An embedded or fetched data file is missing, altered or malformed."""


class ListingError(IpsMapError):
    """A listing of services cannot be read or has no usable row."""


class SettingsError(IpsMapError):
    """An option has a value that cannot be used (unknown census vintage, ...)."""


class EditionError(IpsMapError):
    """An earlier build (an edition) cannot be read to compare it with another."""
