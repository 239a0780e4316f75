"""Schemathesis against the running application, from its own OpenAPI description: a real
HTTP server on loopback (a database of its own, seeded), a key with every read scope, and
for each operation a bounded number of generated requests checked for "not a server error"
and "the response conforms to its schema". It must find nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.accounts.models import AccountPhone, PhoneKind
from app.accounts.status import AccountStatus
from app.api.keys import SCOPES
from app.api.services import create_key
from app.distribution.models import ExportRun, ExportStatus, Wave, WaveAccount, WaveStatus
from app.extensions import db
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests import factories
from tests.browser.conftest import _browser_database, serving
from tests.conftest import build_app, migrate_to_head

EXAMPLES = 25  # per operation: the whole run stays well under a minute
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def seed(tmp_path) -> str:
    """Accounts, a campaign with calls, a wave with an export; returns the key."""
    users = factories.users_by_role(db.session)
    load_municipalities(db.session, [m for m in bundled_municipalities() if m.province_code
                                     in ("MI", "BG")], BUNDLED_REFERENCE_DATE)  # fmt: skip
    campaign = factories.campaign(db.session, code="SCHEMA")
    for n in range(3):
        account = factories.qualified(db.session, campaign, users["agent"], vat_number=f"0{n}" * 5,
                                      ended_at=T0 + timedelta(minutes=n))  # fmt: skip
        db.session.add(AccountPhone(account_id=account.id, raw="3331234567",
                                    e164="+393331234567", kind=PhoneKind.MOBILE))  # fmt: skip
    zone = factories.zone(db.session)
    person = factories.salesperson(db.session, factories.dealer(db.session, zone))
    wave = Wave(label="Onda", status=WaveStatus.CONFIRMED, confirmed_at=T0)
    db.session.add(wave)
    db.session.flush()
    account = factories.account(db.session, status=AccountStatus.DISTRIBUTED)
    db.session.add(WaveAccount(wave_id=wave.id, account_id=account.id, salesperson_id=person.id,
                               horizon="3", source="rule", position=0))  # fmt: skip
    (tmp_path / "run" / "salespeople").mkdir(parents=True)
    (tmp_path / "run" / "all.zip").write_bytes(b"PK")
    (tmp_path / "run" / "salespeople" / "one.zip").write_bytes(b"PK")
    one = {"salesperson_id": person.id, "code": person.code, "account_keys": [account.key],
           "zip": {"name": "one.zip"}}  # fmt: skip
    manifest = {"zip": {"name": "all.zip"}, "salespeople": [one]}
    db.session.add(ExportRun(wave_id=wave.id, status=ExportStatus.DONE, folder="run",
                             manifest=manifest))  # fmt: skip
    _key, token = create_key(db.session, name="schemathesis", scopes=list(SCOPES), actor_id=None)
    db.session.commit()
    return token


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    app = build_app(_browser_database(str(tmp), "schemathesis"),
                    API_RATE_LIMIT="100000 per minute", EXPORT_DIR=str(tmp))  # fmt: skip
    migrate_to_head(app)
    with app.app_context():
        token = seed(tmp)
    with serving(app) as url:
        yield url, token
    with app.app_context():
        db.engine.dispose()


def test_schemathesis_finds_nothing(served):
    url, token = served
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    checks = [not_a_server_error, response_schema_conformance]
    started, operations = time.monotonic(), 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case):
            case.call_and_validate(base_url=url, headers=headers, checks=checks)

        check()
        operations += 1
    assert operations >= 13  # the reads, and the two writes
    assert time.monotonic() - started < 60
