from sqlalchemy import func, select

from app.territory.models import Municipality, MunicipalityPostcode, Province


def test_load_is_idempotent_and_complete(runner, session):
    first = runner.invoke(args=["territory", "load-municipalities"])
    assert first.exit_code == 0, first.output
    assert "as of 2024-12-04" in first.output
    n = session.scalar(select(func.count()).select_from(Municipality))
    caps = session.scalar(select(func.count()).select_from(MunicipalityPostcode))
    assert n > 7800 and caps > 7000
    second = runner.invoke(args=["territory", "load-municipalities"])
    assert "0 added" in second.output
    assert session.scalar(select(func.count()).select_from(MunicipalityPostcode)) == caps
    napoli = session.get(Province, "NA")
    assert napoli.name == "Napoli" and napoli.region == "Campania"
    bolzano = session.scalars(select(Municipality).where(Municipality.name == "Bolzano")).one()
    assert bolzano.name_other == "Bozen" and bolzano.belfiore == "A952"


def test_wrong_file_is_refused_and_nothing_written(runner, session, tmp_path):
    bogus = tmp_path / "bogus.csv"
    bogus.write_text("nome;cap\nMilano;20121\n", encoding="cp1252")
    result = runner.invoke(
        args=["territory", "load-municipalities", "--file", str(bogus), "--date", "2026-01-01"]
    )
    assert result.exit_code == 1
    assert "not an ISTAT" in result.output
    assert session.scalar(select(func.count()).select_from(Municipality)) == 0


def test_file_needs_a_date(runner, session, tmp_path):
    some = tmp_path / "x.csv"
    some.write_text("x\n")
    result = runner.invoke(args=["territory", "load-municipalities", "--file", str(some)])
    assert result.exit_code == 2
    assert "--date is required" in result.output


def test_a_file_past_the_limits_is_refused_and_nothing_written(runner, session, tmp_path):
    """The ISTAT loader reads a file it is given like any other: a line of megabytes is
    refused after 64 KiB, not read whole."""
    huge = tmp_path / "comuni.csv"
    with huge.open("wb") as handle:
        for _ in range(8):
            handle.write(b"Codice;" * 150_000)  # ~8 MB, one line
    result = runner.invoke(
        args=["territory", "load-municipalities", "--file", str(huge), "--date", "2026-01-01"]
    )
    assert result.exit_code == 1
    assert "comuni.csv: La riga 1 è più lunga di 65.536 caratteri" in result.output
    assert session.scalar(select(func.count()).select_from(Municipality)) == 0
