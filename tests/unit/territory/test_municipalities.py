import pytest

from app.territory.municipalities import (
    BUNDLED_ISTAT_FILE,
    MunicipalityFileError,
    bundled_municipalities,
    read_istat_file,
    search_key,
)


@pytest.fixture(scope="module")
def by_name():
    return {row.name: row for row in bundled_municipalities()}


def test_whole_official_list_is_read(by_name):
    assert len(by_name) > 7800
    assert all(len(row.istat_code) == 6 and row.istat_code.isdigit() for row in by_name.values())
    assert all(len(row.belfiore) == 4 for row in by_name.values())


def test_napoli_province_code_na_is_not_a_missing_value(by_name):
    assert by_name["Acerra"].province_code == "NA"
    assert by_name["Napoli"].province_code == "NA"


def test_comune_named_none_survives(by_name):
    assert by_name["None"].province_code == "TO"


def test_bilingual_names_keep_both(by_name):
    bolzano = by_name["Bolzano"]
    assert bolzano.name_other == "Bozen"
    assert bolzano.province_code == "BZ"


def test_accents_and_postcodes(by_name):
    cantu = by_name["Cantù"]
    assert cantu.province_code == "CO"
    assert "22063" in cantu.postcodes
    assert by_name["Roma"].postcodes[0].startswith("00")  # leading zeros kept


def test_sardinian_comuni_have_no_guessed_postcode(by_name):
    assert by_name["Cagliari"].postcodes == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CANTU'", "Cantù"),
        ("Sant'Angelo Lodigiano", "SANT ANGELO LODIGIANO"),
        ("Reggio nell'Emilia", "reggio nell\u2019emilia"),
        ("  Forlì ", "FORLI'"),
    ],
)
def test_search_key_folds_case_accents_apostrophes(a, b):
    assert search_key(a) == search_key(b)


def test_not_an_istat_file_is_refused(tmp_path):
    bogus = tmp_path / "x.csv"
    bogus.write_text("a;b;c\n1;2;3\n", encoding="cp1252")
    with pytest.raises(MunicipalityFileError, match="not an ISTAT"):
        list(read_istat_file(bogus))


def test_bundled_file_is_cp1252():
    raw = BUNDLED_ISTAT_FILE.read_bytes()
    assert "Agliè".encode("cp1252") in raw
