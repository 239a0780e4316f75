"""The batch index: block keys of the accounts a batch wrote, compact."""

from __future__ import annotations

import pytest

from app.accounts.models import PhoneKind
from app.imports.blocking import Entity, block_keys
from app.imports.matching import BatchIndex, EntityCache


def test_an_account_is_found_by_any_of_its_keys() -> None:
    index = BatchIndex()
    index.add(7, {"vat:00743110157", "tel:+390751234567"})
    index.add(9, {"tel:+390751234567"})
    tel, vat, cap = "tel:+390751234567", "vat:00743110157", "cap:06121:rossi"
    assert index.lookup({tel: 1}) == ({7: {tel}, 9: {tel}}, set())
    assert index.lookup({vat: 1, cap: 1}) == ({7: {vat}}, set())  # by the key it has
    assert index.lookup({vat: 1, tel: 1}) == ({7: {vat, tel}, 9: {tel}}, set())
    assert index.lookup({"mail:nobody@example.it": 1}) == ({}, set())


def test_adding_an_account_twice_under_a_key_keeps_it_once() -> None:
    index = BatchIndex()
    for _ in range(3):
        index.add(7, {"word:015146:verdi"})
    index.add(8, {"word:015146:verdi"})
    index.add(8, {"word:015146:verdi"})
    assert set(index.lookup({"word:015146:verdi": 1})[0]) == {7, 8}


def test_a_key_shared_by_too_many_accounts_is_reported_crowded() -> None:
    index = BatchIndex(limit=lambda key: 3)
    for account_id in range(1, 5):
        index.add(account_id, {"tel:+39800123456", f"vat:{account_id}"})
    assert index.lookup({"tel:+39800123456": 1}) == ({}, {"tel:+39800123456"})
    index.add(99, {"tel:+39800123456"})  # stays crowded
    assert index.lookup({"tel:+39800123456": 1, "vat:2": 1}) == (
        {2: {"vat:2"}},
        {"tel:+39800123456"},
    )


@pytest.fixture
def loads(monkeypatch) -> list[list[int]]:
    """The account ids the cache asks the database for, call by call (faked)."""
    from app.imports import matching

    asked: list[list[int]] = []

    def load(session, ids):
        asked.append(list(ids))
        return [Entity.of(("account", i), name=f"DITTA {i}") for i in ids]

    monkeypatch.setattr(matching, "account_entities", load)
    return asked


def test_the_entity_cache_loads_each_account_once_until_it_is_forgotten(loads) -> None:
    cache = EntityCache(before=100, size=3)  # accounts stored before the batch
    assert [e.ref for e in cache.entities(None, [1, 2])] == [("account", 1), ("account", 2)]
    assert len(cache.entities(None, [2, 1])) == 2 and loads == [[1, 2], []]
    cache.forget([1])
    cache.entities(None, [1, 3, 4])  # 1 again (forgotten), 3 and 4 new; 2 the oldest: out
    assert loads[-1] == [1, 3, 4]
    cache.entities(None, [2])
    assert loads[-1] == [2]


def test_the_accounts_a_batch_wrote_stay_in_the_cache_and_are_never_loaded(loads) -> None:
    cache = EntityCache(before=10, size=2)
    for account_id in range(11, 21):  # written by the batch: more than ``size``
        cache.put(Entity.of(("account", account_id), name=f"NUOVA {account_id}"))
    found = cache.entities(None, [11, 12, 20, 5])
    assert [e.name for e in found[:3]] == ["NUOVA 11", "NUOVA 12", "NUOVA 20"]
    assert loads == [[5]] and len(cache) == 11
    cache.forget([12])  # changed by the batch: loaded again as it now is
    cache.entities(None, [12])
    assert loads[-1] == [12]


def test_a_key_the_chunk_itself_crowds_loads_nothing() -> None:
    index = BatchIndex(limit=lambda key: 3)
    index.add(1, {"word:015146:verdi"})
    index.add(2, {"word:015146:verdi"})
    assert set(index.lookup({"word:015146:verdi": 1})[0]) == {1, 2}
    assert index.lookup({"word:015146:verdi": 2}) == ({}, {"word:015146:verdi"})


def test_rows_sharing_a_vat_number_do_not_crowd_its_key() -> None:
    """A chunk with 250 rows of one VAT number (a fleet, a row a vehicle) still finds the
    account an earlier chunk wrote with it: they are one company, not a crowd."""
    index = BatchIndex()
    index.add(7, {"vat:00743110157", "word:015146:rossi"})
    found, crowded = index.lookup({"vat:00743110157": 250, "word:015146:rossi": 250})
    assert found == {7: {"vat:00743110157"}} and crowded == {"word:015146:rossi"}


def test_invalid_phones_with_the_same_digits_agree() -> None:
    """A landline that lost its 0 is not valid, but two rows giving the same digits give
    the same number (and meet on it); a placeholder such as 000000 is no number."""
    from app.imports.matching import entity_of_record
    from app.imports.records import Phone, Record
    from app.imports.scoring import score

    def row(number: int, *phones: str) -> Record:
        record = Record(number, {}, fields={"company_name": "TRASPORTI VERDI LUIGI",
                                            "istat_code": "015146"})  # fmt: skip
        record.phones = [Phone(raw, None, PhoneKind.INVALID) for raw in phones]
        return record

    a, b = entity_of_record(row(2, "735 2914")), entity_of_record(row(3, "735/2914"))
    assert len(a.phones) == 1 and a.phones == b.phones
    assert "same_phone" in score(a, b)[1]
    assert {k for k in block_keys(a) & block_keys(b) if k.startswith("tel:")}
    assert entity_of_record(row(4, "000000", "123456", "12")).phones == ()
    # Two numbers run together in one cell are no number, but not another one either.
    garbled = entity_of_record(row(5, "0171/114063 / 3497331113"))
    valid = Entity.of(6, name="TRASPORTI VERDI LUIGI", phones=frozenset({"+390171114063"}))
    assert "different_phone" not in score(garbled, valid)[1]
