"""The JSON endpoints the desk and the board use, fed anything (hypothesis): they answer
what they do not expect with a 4xx and a message, never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tests.integration.desk.conftest import queued_account
from tests.integration.desk.test_desk_views import start

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(["fields", "notes", "question", "value", "contact_phone", "outcome"])
BODIES = JSON | st.dictionaries(KEYS | st.text(max_size=8), JSON, max_size=4)


@pytest.fixture
def desk(client, auth, users, session, campaign, office_hours):
    """An agent holding one call, with the CSRF header the desk's scripts send."""
    queued_account(session, campaign)
    url = start(client, auth, campaign)
    return url, {"X-CSRFToken": csrf_token(client, url)}


def _refused_cleanly(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400 and response.is_json:
        assert response.get_json().get("error")


@FUZZ
@given(body=BODIES)
def test_draft_and_check_never_fail_on_any_json(client, desk, body):
    url, headers = desk
    for path in ("/draft", "/check"):
        response = client.post(url + path, json=body, headers=headers)
        _refused_cleanly(response)


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_draft_never_fails_on_bytes_that_are_not_json(client, desk, raw):
    url, headers = desk
    response = client.post(
        url + "/draft", data=raw, headers={**headers, "Content-Type": "application/json"}
    )
    _refused_cleanly(response)
    if response.status_code == 200:  # only a well-formed draft is saved
        assert isinstance(json.loads(raw)["fields"], dict)


def test_absurdly_nested_json_is_refused(client, desk):
    url, headers = desk
    body = "[" * 5000 + "]" * 5000
    response = client.post(
        url + "/draft", data=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["start", "end", "days"]) | st.text(max_size=6),
        st.text(max_size=20),
        max_size=3,
    )
)
def test_board_json_never_fails_on_any_query(client, auth, users, campaign, params):
    auth.login("supervisor")
    for path in ("/board/data.json", f"/board/campaigns/{campaign.id}/parts.json"):
        _refused_cleanly(client.get(path, query_string=params))
    auth.logout()
