"""Rules of scoring a pair that weights alone do not keep: evidence against a match holds a
pair back from a silent merge, and a VAT number alone does not merge rows that disagree on
everything else."""

from __future__ import annotations

import pytest

from app.imports.blocking import Entity
from app.imports.fellegi_sunter import Model
from app.imports.scoring import DEFAULT, SURE, UNSURE, compare, held, score

VAT = "00743110157"
MATTEOTTI = {"istat": "016024", "postcode": "24047", "street": "LOCALITA MATTEOTTI"}
# A model fitted on a generated file with 120 same-name neighbours among 5,000 rows
# (`import_pipeline`'s generator, seed 7): EM took the namesakes for duplicates, so that a
# different phone or house number weighs almost nothing while the name, the comune and the
# street agreeing weigh a lot. Order: ``scoring.COMPARISONS``.
NAMESAKES = Model(
    m=(
        (0.0015, 0.011, 0.0282, 0.9593),
        (0.675, 0.325),
        (0.1385, 0.0479, 0.8136),
        (0.0015, 0.9985),
        (0.0015, 0.9985),
        (0.0015, 0.0057, 0.9928),
        (0.6697, 0.3303),
        (0.0053, 0.9947),
        (0.01, 0.99),
    ),
    u=(
        (0.5584, 0.1793, 0.0259, 0.2364),
        (0.9998, 0.0002),
        (0.9999, 0.00003, 0.00003),
        (0.8687, 0.1313),
        (0.3175, 0.6825),
        (0.9171, 0.0169, 0.066),
        (0.9984, 0.0016),
        (0.2017, 0.7983),
        (0.5, 0.5),
    ),
    prior=0.2429,
)


def longo(ref: object, house: str | None, phone: str | None, **values: object) -> Entity:
    return Entity.of(
        ref,
        name="SERVIZI LOGISTICI LONGO",
        house_number=house,
        phones=frozenset({phone} if phone else ()),
        **{**MATTEOTTI, **values},
    )


@pytest.mark.parametrize("model", [DEFAULT, NAMESAKES], ids=["default", "namesakes"])
@pytest.mark.parametrize(
    ("other", "against"),
    [
        (longo(2, "55/A", "+390363957514"), {"different_house_number", "different_phone"}),
        (
            longo(2, "55/A", None, postcode="24048"),
            {"different_house_number", "different_postcode"},
        ),
        (longo(2, "55/A", None), {"different_house_number"}),
        # no house number to agree on: another phone, or another postcode, is against
        (longo(2, None, "+390363957514"), {"different_phone"}),
        (longo(2, None, None, postcode="24048"), {"different_postcode"}),
        # the same email does not outweigh another house number
        (longo(2, "55/A", "+390363957514", email="info@longo.it"), {"different_house_number"}),
        # one VAT number: not an identifier the other row can agree with
        (longo(2, "55/A", "+390363957514", vat=VAT), {"different_house_number"}),
        # at the same door, another phone and a VAT number written far from this one's (one
        # of the two not valid): two companies' numbers, not a typo (1,000,000 rows: 4 of
        # the 9 false pairs left once no two companies shared a VAT number)
        (
            longo(2, "73", "+390363957514", vat_written="81013690714"),
            {"different_vat_written", "different_phone"},
        ),
    ],
)
def test_same_name_neighbours_are_never_merged_silently(
    model: Model, other: Entity, against: set[str]
) -> None:
    """Two hauliers of one name in one comune, Località Matteotti 73 and 55/A: a different
    house number, phone or postcode is evidence against, whatever the name, the comune and
    the street say and however the batch weighed them."""
    here = longo(1, "73", "+390363123456", email="info@longo.it", vat_written="43070870713")
    value, reasons = score(here, other, model)
    assert value < SURE
    assert against <= set(reasons)


@pytest.mark.parametrize("model", [DEFAULT, NAMESAKES], ids=["default", "namesakes"])
@pytest.mark.parametrize(
    "other",
    [
        # moved along its street, or a house number mistyped: it keeps its phone
        longo(2, "75", "+390363123456"),
        # at the same door, another phone is the company's other number (a mobile) ...
        longo(2, "73", "+393471234567"),
        # ... and another postcode a typo
        longo(2, "73", None, postcode="24048"),
        # without house numbers, another phone given with the same email
        longo(2, None, "+393471234567", email="info@longo.it"),
    ],
)
def test_what_outweighs_a_different_value(model: Model, other: Entity) -> None:
    """Not held: the batch's weights decide, as for any pair."""
    here = longo(1, "73", "+390363123456", email="info@longo.it")
    assert not held(compare(here, other))
    assert score(here, other, model)[0] == model.probability(compare(here, other))


@pytest.mark.parametrize(
    ("a", "b", "contradicts"),
    [
        ("55/A", "55 a", False),
        ("55/A", "55a", False),
        ("12", "12/B", False),
        ("SNC", "40", False),
        ("73", "55/A", True),
        ("12", "21", True),
        ("12/A", "12/B", True),
    ],
)
def test_house_numbers_are_compared_as_numbers_not_as_text(
    a: str, b: str, contradicts: bool
) -> None:
    """Writing "55/A" or "55 a" is one door; a letter one source left out is no evidence either
    way; "SNC" (no house number) is none."""
    here, there = longo(1, a, "+390363123456"), longo(2, b, "+390363123456")
    assert ("different_house_number" in score(here, there)[1]) is contradicts


def test_a_vat_number_shared_by_rows_that_agree_on_nothing_else_waits_for_review() -> None:
    """A VAT number typed into the wrong row: another name, comune and phone."""
    rossi = Entity.of(
        1, name="AUTOTRASPORTI ROSSI", vat=VAT, istat="054039", phones=frozenset({"+390751234567"})
    )
    bianchi = Entity.of(
        2, name="BIANCHI MARIO & C.", vat=VAT, istat="015146", phones=frozenset({"+39027654321"})
    )
    value, reasons = score(rossi, bianchi)
    assert UNSURE <= value < SURE
    assert reasons == ("same_vat_nothing_else_agrees",)


def test_a_street_of_the_same_name_in_another_comune_is_nothing_in_common() -> None:
    """1,000,000 generated rows: 76 of the 977 rows carrying another company's VAT number
    were merged with it because both sat on a "Via Dante" or "Via Europa", in two comuni."""
    rossi = Entity.of(
        1, name="DE SANTIS MOVIMENTO TERRA", vat=VAT, istat="064035", street="VIA MANZONI",
        house_number="121/B", phones=frozenset({"+390825222537"}),
    )  # fmt: skip
    orlando = Entity.of(
        2, name="ORLANDO MOVIMENTO TERRA", vat=VAT, istat="061083", street="VIA MANZONI",
        house_number="114/A", phones=frozenset({"+390823650180"}),
    )  # fmt: skip
    assert score(rossi, orlando)[1] == ("same_vat_nothing_else_agrees",)
    # in the same comune, the same street still is something in common
    neighbour = Entity.of(2, name="ORLANDO MOVIMENTO TERRA", vat=VAT, istat="064035",
                          street="VIA MANZONI", phones=frozenset({"+390823650180"}))  # fmt: skip
    assert score(rossi, neighbour) == (1.0, ("same_vat",))


@pytest.mark.parametrize(
    "other",
    [
        # a financing file: only a name (short) and the VAT number
        Entity.of(2, name="ROSSI", vat=VAT),
        # renamed, same comune
        Entity.of(2, name="LOGISTICA UMBRA", vat=VAT, istat="054039"),
        # renamed and moved, same phone
        Entity.of(
            2, name="LOGISTICA UMBRA", vat=VAT, istat="015146", phones=frozenset({"+390751234567"})
        ),
        # same name, moved to another comune (a site elsewhere)
        Entity.of(
            2,
            name="AUTOTRASPORTI ROSSI",
            vat=VAT,
            istat="015146",
            phones=frozenset({"+39027654321"}),
        ),
    ],
)
def test_a_shared_vat_number_still_decides_when_something_else_agrees_or_nothing_disagrees(
    other: Entity,
) -> None:
    rossi = Entity.of(
        1, name="AUTOTRASPORTI ROSSI", vat=VAT, istat="054039", phones=frozenset({"+390751234567"})
    )
    assert score(rossi, other) == (1.0, ("same_vat",))


def test_every_reason_the_rules_give_has_a_label() -> None:
    from app.accounts.labels import REASON_LABELS
    from app.imports.scoring import AGAINST, NOTHING_ELSE

    given = {*AGAINST, NOTHING_ELSE, "municipality_conflict", "address_conflict"}
    assert given <= set(REASON_LABELS)
