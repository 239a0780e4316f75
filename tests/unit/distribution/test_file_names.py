"""File and folder names stay safe whatever the salesperson and the wave are called."""

from __future__ import annotations

from datetime import date

import pytest

from app.distribution.exporting import all_zip_name, file_stem, folder_name
from app.distribution.sheets import Recipient, WaveInfo

WAVE = WaveInfo(id=7, label="Novembre 2026", confirmed_on=date(2026, 11, 23))


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("MI-V01", "Nicolò D'Angelo", "MI-V01_Nicolo_DAngelo-5"),
        ("MI-V01", "../../etc/passwd", "MI-V01_.._.._etc_passwd-5"),
        ("../..", "/", "salesperson-5"),
        ("TO-V02", "<script>alert(1)</script>", "TO-V02_scriptalert1_script-5"),
        ("X", "Ünïcödé\u200b\n\t", "X_Unicode-5"),
    ],
)
def test_folder_names_are_plain_and_never_leave_the_folder(code, name, expected):
    found = folder_name(Recipient(id=5, code=code, full_name=name))
    assert found == expected
    assert "/" not in found and "\\" not in found and not found.startswith(".")


def test_a_name_too_long_is_cut_and_an_empty_wave_label_falls_back():
    long = folder_name(Recipient(id=1, code="A", full_name="x" * 500))
    assert len(long) <= 60
    # Codes that fold to the same text still get folders of their own.
    assert folder_name(Recipient(id=1, code="AB/1", full_name="Rossi")) != folder_name(
        Recipient(id=2, code="AB 1", full_name="Rossi")
    )
    blank = WaveInfo(id=9, label="///", confirmed_on=date(2026, 1, 1))
    assert all_zip_name(blank) == "wave-9.zip"
    assert file_stem(blank, Recipient(id=3, code="", full_name="")) == "wave-9-3"
    assert file_stem(WAVE, Recipient(id=3, code="MI-V01", full_name="")) == "Novembre_2026_MI-V01"
