"""Territory services: the municipality reference table; salespeople's contact."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.territory.models import Municipality, MunicipalityPostcode, Province, Salesperson
from app.territory.municipalities import MunicipalityRow, search_key


def load_municipalities(
    session: Session,
    rows: Iterable[MunicipalityRow],
    reference_date: date,
    *,
    actor_id: int | None = None,
) -> dict[str, int]:
    """Insert or update provinces, municipalities and postcodes from ``rows``.

    Keyed on the Belfiore code, so a later ISTAT file with recoded municipalities updates
    them in place. Postcodes are replaced only for municipalities whose row brings some.
    Returns counts for the report.
    """
    rows = list(rows)
    _add_provinces(session, rows)
    session.flush()  # provinces first: municipalities refer to them
    added, updated = _upsert_municipalities(session, rows, reference_date)
    session.flush()
    with_postcodes = [row for row in rows if row.postcodes]
    _replace_postcodes(session, with_postcodes)
    session.expire_all()
    counts = {
        "municipalities_added": added,
        "municipalities_updated": updated,
        "postcodes": sum(len(row.postcodes) for row in with_postcodes),
    }
    record(
        session,
        "territory.load_municipalities",
        user_id=actor_id,
        reference_date=reference_date.isoformat(),
        **counts,
    )
    return counts


def _add_provinces(session: Session, rows: list[MunicipalityRow]) -> None:
    """The provinces the rows name that are not stored yet."""
    provinces = {p.code: p for p in session.scalars(select(Province))}
    for row in rows:
        if row.province_code not in provinces:
            provinces[row.province_code] = Province(
                code=row.province_code, name=row.province_name, region=row.region
            )
            session.add(provinces[row.province_code])


def _upsert_municipalities(
    session: Session, rows: list[MunicipalityRow], reference_date: date
) -> tuple[int, int]:
    """Each row's municipality, added or updated by its Belfiore code: (added, updated)."""
    existing = {m.belfiore: m for m in session.scalars(select(Municipality))}
    added = updated = 0
    for row in rows:
        municipality = existing.get(row.belfiore)
        if municipality is None:
            municipality = Municipality(belfiore=row.belfiore)
            session.add(municipality)
            added += 1
        else:
            updated += 1
        municipality.istat_code = row.istat_code
        municipality.name = row.name
        municipality.name_other = row.name_other
        municipality.search_key = search_key(row.name)
        municipality.province_code = row.province_code
        municipality.region = row.region
        municipality.reference_date = reference_date
    return added, updated


def _replace_postcodes(session: Session, with_postcodes: list[MunicipalityRow]) -> None:
    """The postcodes of the municipalities whose rows bring some, in place of theirs."""
    belfiores = [row.belfiore for row in with_postcodes]
    for start in range(0, len(belfiores), 500):
        chunk = belfiores[start : start + 500]
        session.execute(
            delete(MunicipalityPostcode).where(MunicipalityPostcode.belfiore.in_(chunk))
        )
    session.execute(
        MunicipalityPostcode.__table__.insert(),
        [
            {"belfiore": row.belfiore, "postcode": cap}
            for row in with_postcodes
            for cap in row.postcodes
        ],
    )


class SalespersonError(ValueError):
    """A salesperson change refused, with a sentence for the person who asked."""


def set_salesperson_contact(
    session: Session,
    code: str,
    *,
    email: str | None = None,
    locale: str | None = None,
    actor_id: int | None = None,
) -> Salesperson:
    """The address and language of a salesperson's e-mails (their pack-ready message);
    an empty ``email`` removes the address (no more e-mail)."""
    person = session.scalar(select(Salesperson).where(Salesperson.code == code))
    if person is None:
        raise SalespersonError(f"no salesperson with code {code!r}")
    if email is not None:
        email = email.strip()
        local, _, domain = email.partition("@")
        if email and (not local or "." not in domain or any(c.isspace() for c in email)):
            raise SalespersonError(f"{email!r} is not an e-mail address")
        person.email = email or None
    if locale is not None:
        if locale not in ("it", "en"):
            raise SalespersonError("the language is it or en")
        person.locale = locale
    record(session, "territory.salesperson_contact", user_id=actor_id, obj=person,
           email_set=person.email is not None, locale=person.locale)  # fmt: skip
    session.flush()
    return person
