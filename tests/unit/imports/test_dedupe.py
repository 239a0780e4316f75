"""Blocking, scoring and clustering of duplicates."""

from __future__ import annotations

from app.imports.blocking import Entity
from app.imports.clustering import cluster
from app.imports.dedupe import candidate_pairs, match
from app.imports.scoring import DEFAULT, SURE, UNSURE, score

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


def test_a_third_row_does_not_join_two_neighbours_that_contradict_each_other() -> None:
    """Località Matteotti 73 and 55/A are two companies: a row of the same name and street
    that gives neither house number nor phone agrees with both, but does not make them
    one."""
    at = {"istat": "016024", "postcode": "24047", "street": "LOCALITA MATTEOTTI"}
    entities = [
        entity(
            "73",
            "SERVIZI LOGISTICI LONGO",
            house_number="73",
            phones=frozenset({"+390363123456"}),
            **at,
        ),
        entity(
            "55/A",
            "SERVIZI LOGISTICI LONGO",
            house_number="55/A",
            phones=frozenset({"+390363957514"}),
            **at,
        ),
        entity("bare", "SERVIZI LOGISTICI LONGO", **at),
    ]
    found = match(entities, model=DEFAULT)
    groups, review = cluster(entities, found.pairs, held=found.held)
    assert not any({"73", "55/A"} <= set(group) for group in groups)
    assert review  # the row that could be either waits for a person
    # A row that gives both their phones says they are one company's: it joins them.
    both = entity("both", "SERVIZI LOGISTICI LONGO",
                  phones=frozenset({"+390363123456", "+390363957514"}), **at)  # fmt: skip
    entities[2] = both
    found = match(entities, model=DEFAULT)
    groups, _ = cluster(entities, found.pairs, held=found.held)
    assert sorted(map(sorted, groups)) == [["55/A", "73", "both"]]


def test_a_row_joins_the_account_of_its_vat_number_not_another_account_it_resembles() -> None:
    """Two accounts stored (or written by an earlier chunk): one with the VAT number, one
    without at the row's address. The row goes to the account of its VAT number; the two
    accounts are a pair for a person, who merges stored accounts."""
    phone = frozenset({"+390363957514"})
    at = {"istat": "016024", "postcode": "24047", "street": "VIA GARIBALDI", "house_number": "5"}
    entities = [
        entity(("row", 3), "TRASPORTI LONGO", vat=VAT_A, phones=phone, **at),
        entity(("account", 1), "TRASPORTI LONGO", phones=phone, **at),  # no VAT number
        entity(
            ("account", 2),
            "TRASPORTI LONGO",
            vat=VAT_A,
            istat="016024",
            street="VIA ROMA",
            house_number="1",
        ),
    ]
    stored = {("account", 1), ("account", 2)}
    pairs = candidate_pairs(entities, stored=stored)
    groups, review = cluster(entities, pairs, stored=stored)
    assert sorted(sorted(g) for g in groups) == [[("account", 1)], [("account", 2), ("row", 3)]]
    assert [(p.a, p.b) for p in review] == [(("row", 3), ("account", 1))]


def test_rows_sharing_a_vat_number_meet_however_many_they_are() -> None:
    """A warranty file lists a company's 250 vehicles, a row each: one company, however big
    its block; each row is paired with the few before it, not with all the others."""
    entities = [entity(n, "ROSSI TRASPORTI", vat=VAT_A) for n in range(250)]
    pairs = candidate_pairs(entities)
    assert len(pairs) < 3 * 250 and all(p.score == 1.0 for p in pairs)
    groups, _ = cluster(entities, pairs)
    assert len(groups) == 1
    stored = entity("account", "ROSSI TRASPORTI", vat=VAT_A)
    pairs = candidate_pairs([*entities, stored], stored={"account"})
    assert len(cluster([*entities, stored], pairs, stored={"account"})[0]) == 1
