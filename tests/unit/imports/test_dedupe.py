"""Blocking, scoring and clustering of duplicates."""

from __future__ import annotations

from app.imports.blocking import Entity
from app.imports.clustering import cluster
from app.imports.dedupe import candidate_pairs
from app.imports.scoring import SURE, UNSURE, score

VAT_A, VAT_B = "00743110157", "01234567897"


def entity(ref, name, **values) -> Entity:
    return Entity.of(ref, name=name, **values)


def test_valid_vat_numbers_decide_alone() -> None:
    a = entity(1, "ROSSI TRASPORTI", vat=VAT_A)
    assert score(a, entity(2, "BIANCHI", vat=VAT_A))[0] == 1.0  # renamed, same company
    assert score(a, entity(3, "ROSSI TRASPORTI", vat=VAT_B))[0] == 0.0  # namesakes


def test_name_phone_and_place_add_up() -> None:
    a = entity(1, "AUTOTRASPORTI ROSSI MARIO", phones=frozenset({"+39021234567"}),
               istat="015146", street="VIA ROMA", house_number="1")  # fmt: skip
    same = entity(2, "AUTOTRASP. ROSSI MARIO", phones=frozenset({"+39021234567"}),
                  istat="015146", street="VIA ROMA", house_number="1")  # fmt: skip
    value, reasons = score(a, same)
    assert value >= SURE and {"same_phone", "same_municipality", "same_street"} <= set(reasons)
    namesake = entity(3, "AUTOTRASPORTI ROSSI MARIO", istat="058091")  # Rome, not Milan
    assert score(a, namesake)[0] < UNSURE


def test_the_same_name_in_the_same_place_needs_a_person_unless_the_address_agrees() -> None:
    a = entity(1, "TRASPORTI VERDI LUIGI", istat="015146")
    b = entity(2, "TRASPORTI VERDI LUIGI", istat="015146")
    assert UNSURE <= score(a, b)[0] < SURE  # namesakes happen: a person decides
    at = {"street": "VIA ROMA", "house_number": "1"}
    assert (
        score(entity(1, a.name, istat="015146", **at), entity(2, b.name, istat="015146", **at))[0]
        >= SURE
    )
    elsewhere = entity(3, b.name, istat="015146", street="VIA MILANO", house_number="40")
    assert score(entity(1, a.name, istat="015146", **at), elsewhere)[0] < UNSURE


def test_pairs_are_only_formed_inside_blocks() -> None:
    entities = [
        entity(1, "ROSSI", vat=VAT_A),
        entity(2, "ROSSI SPA", vat=VAT_A),
        entity(3, "ROSSI", istat="001001"),  # no key in common with the others
    ]
    pairs = candidate_pairs(entities)
    assert [(p.a, p.b, p.score) for p in pairs] == [(1, 2, 1.0)]


def test_clusters_join_sure_pairs_and_never_two_vat_numbers() -> None:
    phone = frozenset({"+39021234567"})
    entities = [
        entity("a", "ROSSI TRASPORTI", vat=VAT_A, phones=phone, istat="015146"),
        entity("b", "ROSSI TRASPORTI", phones=phone, istat="015146"),  # same phone, no VAT
        entity("c", "ROSSI TRASPORTI", vat=VAT_B, phones=phone, istat="015146"),  # other VAT
    ]
    pairs = candidate_pairs(entities)
    groups, review = cluster(entities, pairs)
    assert sorted(sorted(g) for g in groups) in ([["a", "b"], ["c"]], [["a"], ["b", "c"]])
    # b-c or a-b (whichever lost) waits for a person; a-c (two VATs) is not even a pair
    assert len(review) == 1 and {review[0].a, review[0].b} & {"b"}


def test_unsure_pairs_go_to_review_and_sure_ones_do_not() -> None:
    entities = [
        entity(1, "TRASPORTI VERDI LUIGI", istat="015146"),
        entity(2, "TRASPORTI VERDI LUIGI", istat="015146"),
    ]
    groups, review = cluster(entities, candidate_pairs(entities))
    assert sorted(len(g) for g in groups) == [1, 1]
    assert [(p.a, p.b) for p in review] == [(1, 2)]


def test_a_huge_block_is_not_compared() -> None:
    switchboard = frozenset({"+39800123456"})
    entities = [entity(i, f"DITTA {i}", phones=switchboard) for i in range(250)]
    assert candidate_pairs(entities) == []


def test_vat_numbers_far_apart_tell_namesakes_apart_even_when_one_is_invalid() -> None:
    a = entity(1, "COOPERATIVA LESSOLO", istat="001130", email="info@lessolo.it",
               vat="11218540018", vat_written="11218540018")  # fmt: skip
    namesake = entity(
        2, "COOPERATIVA LESSOLO", istat="001130", email="info@lessolo.it", vat_written="08646330014"
    )  # invalid, and nothing like the other
    typo = entity(
        3, "COOPERATIVA LESSOLO", istat="001130", email="info@lessolo.it", vat_written="11218540019"
    )  # the same number, last digit mistyped
    assert score(a, namesake)[0] < UNSURE and "different_vat_written" in score(a, namesake)[1]
    assert score(a, typo)[0] >= SURE


def test_case_and_punctuation_do_not_count_in_names() -> None:
    stored = entity(1, "Cooperativa Autotrasportatori Frassino", istat="004093")
    imported = entity(2, "COOPERATIVA AUTOTRASPORTATORI FRASSINO.", istat="004093")
    assert "similar_name" in score(stored, imported)[1]


def test_two_stored_accounts_are_not_paired_and_crowded_keys_are_skipped() -> None:
    phone = frozenset({"+39021234567"})
    entities = [entity(n, "ROSSI TRASPORTI", phones=phone) for n in ("a", "b", "row")]
    refs = {(p.a, p.b) for p in candidate_pairs(entities, stored={"a", "b"})}
    assert refs == {("a", "row"), ("b", "row")}
    assert candidate_pairs(entities, crowded={"tel:+39021234567"}) == []
