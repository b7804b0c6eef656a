"""Access below the département: where people live far from a service, and where a new
service would reach the most of them (see the modules of this package)."""
