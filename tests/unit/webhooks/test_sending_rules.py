"""The signature, the retry schedule and the addresses a webhook may go to."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.webhooks.addresses import AddressRefused, check_url
from app.webhooks.sending import RETRY_DELAYS, retry_at
from app.webhooks.signing import signature_header, verify

BODY = b'{"event":"call.recorded","id":"e1"}'


def test_the_signature_is_hmac_sha256_of_time_dot_body_as_the_docs_say():
    header = signature_header("whsec_x", 1760000000, BODY)
    expected = hmac.new(b"whsec_x", b"1760000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1760000000,v1={expected}"
    assert verify("whsec_x", header, BODY, now=1760000000 + 299)
    assert not verify("whsec_x", header, BODY, now=1760000000 + 301)
    assert not verify("whsec_x", header.replace("t=1760000000", "t=1760000100"), BODY,
                      now=1760000000)  # fmt: skip
    assert not verify("whsec_x", "v1=abc", BODY, now=1760000000)


NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [(1, timedelta(minutes=1)), (2, timedelta(minutes=5)), (3, timedelta(minutes=30)),
     (4, timedelta(hours=2)), (5, timedelta(hours=12)), (6, timedelta(hours=24))],
)  # fmt: skip
def test_retries_back_off_with_at_most_ten_percent_jitter(attempts, wait):
    waits = {retry_at(attempts, NOW) - NOW for _ in range(50)}
    assert all(wait * 0.9 <= w <= wait * 1.1 for w in waits)
    assert len(waits) > 1  # jittered: receivers that failed together are not hit together


def test_after_the_last_retry_the_delivery_gives_up():
    assert retry_at(len(RETRY_DELAYS) + 1, NOW) is None


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "example.com/hook", "https://", "https://user:pw@example.com/",
     "javascript:alert(1)"],
)  # fmt: skip
def test_only_full_http_addresses_are_accepted(url):
    with pytest.raises(AddressRefused):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6379/", "http://localhost/", "http://10.0.0.5/", "http://192.168.1.1/",
     "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://0.0.0.0/"],
)  # fmt: skip
def test_loopback_and_private_addresses_need_the_setting(url):
    with pytest.raises(AddressRefused, match="private or local"):
        check_url(url, allow_private=False)
    assert check_url(url, allow_private=True) == url


def test_a_public_address_is_accepted():
    assert check_url("https://93.184.215.14/hooks", allow_private=False)


def test_the_documented_worked_example_holds():
    doc = (Path(__file__).resolve().parents[3] / "docs" / "webhooks.md").read_text()
    header = signature_header("whsec_x", 1760000000, b'{"event":"call.recorded","id":"e1"}')
    assert f"Qualifica-Signature: {header}`" in doc
