"""The 30-row listing colleagues send (tests/data/listings/make_colleagues.py), as a ``;``
Windows-1252 CSV with a title row and as an XLSX workbook: every row placed where it must be,
with its statut and its warnings, or left out for its reason; ``validate`` and ``build`` say
the same verdict in the same words; a misspelt commune is never read as a commune of
another département than the one stated.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ips_map.cli import cli
from ips_map.listing.read import read_listing
from ips_map.places import place_services
from ips_map.places._names import read_name
from ips_map.places.outcome import RowNotes
from ips_map.territory.data import load_communes, load_departements, load_old_codes
from ips_map.territory.fuzzy import MIN_MARGIN, MIN_SCORE
from ips_map.territory.gazetteer import commune_key, shared_gazetteer
from tests.helpers import CORPUS, load_corpus_module, load_module

load_corpus_module()
colleagues = load_module("make_colleagues")
CASES = colleagues.CASES
CSV = CORPUS / colleagues.CSV_NAME


@pytest.fixture(scope="module")
def real_data():
    return load_departements(), load_communes(), load_old_codes()


@pytest.fixture(scope="module")
def outcomes(real_data, tmp_path_factory):
    """For each file: the listing and its placement."""
    xlsx = colleagues.write_xlsx(tmp_path_factory.mktemp("collegues") / "collegues.xlsx")
    results = {}
    for name, path in (("csv", CSV), ("xlsx", xlsx)):
        listing = read_listing(path)
        results[name] = (listing, place_services(listing, *real_data))
    return results


def test_the_committed_csv_is_what_the_script_writes():
    assert CSV.read_bytes() == colleagues.csv_bytes(), "run make_colleagues.py"


def test_thirty_rows_under_a_title(outcomes):
    assert len(CASES) == 30
    for name, (listing, _) in outcomes.items():
        assert listing.rows_read == 30, name
        assert any("en-tête trouvé à la ligne 3" in p.message for p in listing.problems), name
    listing, _ = outcomes["csv"]
    assert (listing.encoding, listing.delimiter) == ("cp1252", ";")


CASE_IDS = [f"{i}-{case.why[:40]}" for i, case in enumerate(CASES)]


@pytest.mark.parametrize("name", ["csv", "xlsx"])
@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_every_row_ends_up_where_it_must(outcomes, name, index):
    listing, placement = outcomes[name]
    case = CASES[index]
    line = colleagues.FIRST_LINE + index
    services = placement.services.set_index("ligne")
    rejects = {r["ligne"]: r for r in listing.rejects + placement.rejects}
    duplicates = {r["ligne"]: r for r in listing.duplicates}
    kind = case.expect[0]
    if kind == "place":
        _, method, dep, commune = case.expect
        assert line in services.index, (case.why, rejects.get(line))
        service = services.loc[line]
        assert (service["methode"], service["code_departement"]) == (method, dep), case.why
        assert service["code_commune_trouve"] == commune, case.why
        assert service["statut"] == (case.statut or "actif"), case.why
        if case.statut == "non_reconnu":
            assert service["statut_ecrit"] == case.values["statut"]
        if case.desservis is not None:
            assert service["desservis"] == case.desservis
        if case.kind is not None:
            assert service["type"] == case.kind
        texts = [str(p) for p in listing.problems + placement.problems if p.ligne == line]
        for words in case.warns:
            assert any(words in text for text in texts), (words, texts)
        # One warning per fix: never two about the same column of a row.
        columns = [p.colonne for p in listing.problems + placement.problems if p.ligne == line]
        assert len(columns) == len(set(columns)), texts
    elif kind == "reject":
        assert line in rejects, case.why
        assert case.expect[1] in rejects[line]["raison"], rejects[line]
    else:
        assert line in duplicates, case.why
        assert f" {colleagues.FIRST_LINE + case.expect[1]} " in duplicates[line]["raison"]


def test_an_unknown_statut_is_not_counted(outcomes):
    from ips_map.coverage import measure_coverage
    from ips_map.territory.data import load_populations

    _, placement = outcomes["csv"]
    table = measure_coverage(load_populations(), placement.services).set_index("code")
    # Caen's only service has a statut it cannot read: Calvados is not covered.
    assert table.loc["14", "statut"] == "non_couvert"
    assert table.loc["14", "services_actifs"] == 0 and table.loc["14", "services_en_projet"] == 0


def _verdict(text: str) -> list[str]:
    """The verdict's lines of a command's output: progress lines and the error left out."""
    return [
        line
        for line in text.splitlines()
        if not line.startswith(("… ", "Erreur : ")) and line.strip() != str(CORPUS)
    ]


def test_validate_and_build_say_the_same_verdict(tmp_path):
    checked = CliRunner().invoke(cli, ["validate", "--services", str(CSV)])
    assert checked.exit_code == 1
    out = tmp_path / "out"
    built = CliRunner().invoke(
        cli, ["-v", "build", "--strict", "--services", str(CSV), "--out", str(out)]
    )
    # --strict fails like validate, writing nothing.
    assert built.exit_code == 1
    assert not (out / "index.html").exists() and not (out / "services.csv").exists()
    assert _verdict(built.stderr) == _verdict(checked.stdout)
    verdict = checked.stdout
    assert (
        "La carte peut être construite avec 27 services placés ; 2 lignes à corriger en sont "
        "laissées de côté :"
    ) in verdict
    assert "(s)" not in verdict
    assert "  ligne 29, colonne « Dépt », valeur « 987 » : " in verdict
    assert "  ligne 30, colonne « Nom du dispositif » : nom manquant" in verdict
    assert "1 doublon exact, compté une fois :" in verdict
    assert "valeur « www.aphm.fr »" in verdict and "valeur « https://" not in verdict
    assert "--strict : carte non construite, rien n'a été écrit" in built.stderr


def test_plurals_of_the_verdict(tmp_path):
    path = tmp_path / "un.csv"
    path.write_text("nom;commune\nA;Lyon\n;Brest\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["validate", "--services", str(path)]).stdout
    assert "2 lignes lues : 1 placée" in out
    assert "1 laissée de côté, aucun doublon exact." in out
    assert "avec 1 service placé ; 1 ligne à corriger en est laissée de côté :" in out


# --- fuzzy matches stay in the stated département ------------------------------------------


@pytest.fixture(scope="module")
def gazetteer(real_data):
    _, communes, old_codes = real_data
    return shared_gazetteer(communes, old_codes)


def _notes(real_data):
    departements = real_data[0]
    return RowNotes(2, "ligne", {}, dict(zip(departements["code"], departements["nom"])))


@st.composite
def misspellings(draw, names: list[str]):
    """A commune's name with one letter dropped, doubled or replaced."""
    # An index, not sampled_from(names): its label would go through 35,000 names each draw.
    name = names[draw(st.integers(0, len(names) - 1))]
    at = draw(st.integers(0, len(name) - 1))
    edit = draw(st.sampled_from(["drop", "double", "replace"]))
    if edit == "drop":
        return name[:at] + name[at + 1 :]
    if edit == "double":
        return name[: at + 1] + name[at:]
    return name[:at] + draw(st.sampled_from("aeiourstln")) + name[at + 1 :]


def test_a_fuzzy_match_never_leaves_the_stated_departement(gazetteer, real_data):
    names = gazetteer.communes.column("nom")
    codes = sorted(set(gazetteer.communes.column("code_departement")))
    notes = _notes(real_data)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(written=misspellings(names), dep=st.sampled_from(codes))
    def check(written, dep):
        reading = read_name(written, gazetteer, [], (dep,), set(), notes)
        if reading.fuzzy:
            assert gazetteer.commune(reading.code)["code_departement"] == dep, (written, dep)

    check()


def test_the_documented_thresholds(gazetteer):
    from rapidfuzz import fuzz

    assert fuzz.ratio("lyonn", "lyon") >= MIN_SCORE
    assert fuzz.ratio(commune_key("Saint-Jen"), commune_key("Saint-Julien")) < MIN_SCORE
    match = gazetteer.fuzzy.match(commune_key("Marseile"), ("13",))
    assert match.code == "13055" and match.score - match.candidates[1][1] >= MIN_MARGIN


def test_placement_quotes_codes_as_written(real_data, tmp_path):
    from tests.helpers import write_listing

    text = "nom;cp;commune;code insee\nA;69003 CEDEX 03;Villeurbanne;\nB;;;1003\nC;;;01003\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    placement = place_services(listing, *real_data)
    said = [str(p) for p in placement.problems]
    assert any("valeur « 69003 CEDEX 03 » : code postal absent de la commune" in t for t in said)
    # Two rows that write one code two ways are each quoted as they write it.
    assert any(
        t.startswith("ligne 3, colonne « code insee », valeur « 1003 » : ancien") for t in said
    )
    assert any(
        t.startswith("ligne 4, colonne « code insee », valeur « 01003 » : ancien") for t in said
    )
