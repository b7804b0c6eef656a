"""Derive data/services/exemple.csv (the project's listing format) from
data/services/exemple-sources.csv (services cited in the press, with their source).

Run by ``make example``; the output is committed so that ``make map`` needs nothing else.
Nothing is added that the source file does not say: a row's type is ``ips`` only where the
source calls the service IPS (``ips_explicit = yes``), ``emploi_accompagne`` otherwise; the
street address is kept only where the source gives one.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "services" / "exemple-sources.csv"
TARGET = ROOT / "data" / "services" / "exemple.csv"
COLUMNS = [
    "nom",
    "structure",
    "type",
    "statut",
    "adresse",
    "commune",
    "code_commune",
    "departement",
    "source",
    "date_source",
    "ips_selon_source",
    "remarques",
]
# The one street address given by a source (row 5, expressions-venissieux.fr, 2021-03-26).
_ADDRESS = re.compile(r"[Ii]nstallée (\d+ [^()]+?) à ")


def convert(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        match = _ADDRESS.search(row["description_from_source"])
        out.append(
            {
                "nom": row["nom"],
                "structure": row["structure_porteuse"],
                "type": "ips" if row["ips_explicit"] == "yes" else "emploi_accompagne",
                "statut": "actif",
                "adresse": match.group(1).strip() if match else "",
                "commune": row["commune"],
                "code_commune": row["code_commune_insee"],
                "departement": row["code_departement"],
                "source": row["source_url"],
                "date_source": row["source_date"],
                "ips_selon_source": {"yes": "oui", "no": "non"}.get(
                    row["ips_explicit"], "incertain"
                ),
                "remarques": row["notes"],
            }
        )
    return out


def main() -> int:
    with open(SOURCE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(convert(rows))
    TARGET.write_text(buffer.getvalue(), encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(rows)} services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
