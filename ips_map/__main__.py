"""``python -m ips_map`` runs the command line."""

from ips_map.cli import main

if __name__ == "__main__":
    main()
