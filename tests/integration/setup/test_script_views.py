"""The call script pages: who may do what, upload, the editor's check / preview / save,
a version's page, differences, and campaigns switched to the newest version."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

from app.scripting.models import CallScript
from app.scripting.services import load_script
from app.setup.script_editing import SCRIPT_MAX_BYTES
from tests import factories
from tests.conftest import csrf_token
from tests.integration.setup.scripts_support import SHORT, SHORT_BROKEN, footprint

INDEX = "/scripts/"
EDITOR = "/scripts/editor"


@pytest.fixture
def staff(auth, users):
    auth.login("staff")
    return users["staff"]


@pytest.fixture
def stored(session, users):
    return load_script(session, SHORT, user_id=users["admin"].id)


def upload(client, data: bytes, name: str = "script.toml", token: bool = True):
    form = {"file": (io.BytesIO(data), name)}
    if token:
        form["csrf_token"] = csrf_token(client, INDEX)
    return client.post(INDEX + "upload", data=form, content_type="multipart/form-data")


def editor(client, text: str, button: str, token: bool = True):
    form = {"text": text, button: "1"}
    if token:
        form["csrf_token"] = csrf_token(client, INDEX)
    return client.post(EDITOR, data=form)


def versions(session) -> list[tuple[str, int]]:
    return session.execute(sa.select(CallScript.name, CallScript.version)).all()


# -- access --------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "code"), [("agent", 403), ("supervisor", 200),
                                            ("staff", 200), ("admin", 200)])  # fmt: skip
def test_agents_see_nothing_and_the_others_see_the_scripts(client, auth, users, stored, role,
                                                           code):  # fmt: skip
    auth.login(role)
    assert client.get(INDEX).status_code == code
    for page in ("", "/preview", "/diff"):
        assert client.get(f"/scripts/{stored.id}{page}").status_code == code


def test_supervisors_look_but_change_nothing(client, auth, users, session, stored):
    auth.login("supervisor")
    page = client.get(INDEX).get_data(as_text=True)
    assert "short_check" in page and 'action="/scripts/upload"' not in page
    version = client.get(f"/scripts/{stored.id}").get_data(as_text=True)
    assert "Parlo con chi si occupa" in version  # the text, with its line numbers
    assert "/edit" not in version and "use-newest" not in version
    assert client.get(f"/scripts/{stored.id}/edit").status_code == 403
    assert client.get("/scripts/new").status_code == 403
    token = csrf_token(client, INDEX)
    assert client.post(EDITOR, data={"csrf_token": token, "text": SHORT,
                                     "save": "1"}).status_code == 403  # fmt: skip
    assert upload(client, SHORT.encode()).status_code == 403
    campaign = factories.campaign(session, call_script_id=stored.id)
    switch = client.post(f"/scripts/campaigns/{campaign.id}/use-newest",
                         data={"csrf_token": token, "seen": stored.id})  # fmt: skip
    assert switch.status_code == 403


def test_the_navigation_offers_scripts_to_staff_only_among_writers(client, auth, users):
    auth.login("staff")
    page = client.get(INDEX).get_data(as_text=True)
    assert 'href="/scripts/" accesskey="r" aria-current="page"' in page
    assert "autofocus" in page


# -- upload --------------------------------------------------------------------------------
def test_a_good_file_is_saved_as_a_version(client, session, staff):
    response = upload(client, SHORT.replace("\n", "\r\n").encode())
    assert response.status_code == 302
    (saved,) = session.scalars(sa.select(CallScript)).all()
    assert (saved.name, saved.version, saved.loaded_by_id) == ("short_check", 1, staff.id)
    assert saved.source_text == SHORT  # one kind of line ending
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Salvato: short_check versione 1." in page
    assert "Questa è la versione più recente." in page


def test_a_broken_file_is_refused_with_its_line_and_column_and_kept_to_correct(
    client, session, staff
):
    before = footprint(session)
    response = upload(client, SHORT_BROKEN.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Lo script ha 1 problema e non è stato salvato" in page
    assert "riga 28, colonna 3" in page and "tipo sconosciuto &#39;testo&#39;" in page
    assert 'data-line="28" data-column="3"' in page
    assert "type = &#34;testo&#34;" in page  # the text, in the editor, to correct
    assert footprint(session) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Il file è vuoto"),
        (b"a" * (SCRIPT_MAX_BYTES + 1), "supera 256 KB"),
        ("name = 'città'".encode("latin-1"), "non è testo UTF-8 (riga 1)"),
    ],
)
def test_a_file_that_is_no_script_is_refused_beside_the_field(client, session, staff, data,
                                                              message):  # fmt: skip
    before = footprint(session)
    response = upload(client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'id="file-errors"' in page
    assert footprint(session) == before


def test_an_upload_without_a_file_or_a_token_is_refused(client, session, staff):
    before = footprint(session)
    token = csrf_token(client, INDEX)
    no_file = client.post(INDEX + "upload", data={"csrf_token": token})
    assert no_file.status_code == 400
    assert "Scegli il file .toml dello script." in no_file.get_data(as_text=True)
    no_token = upload(client, SHORT.encode(), token=False)
    assert no_token.status_code == 400
    assert "Il modulo è scaduto" in no_token.get_data(as_text=True)
    assert footprint(session) == before


# -- the editor ----------------------------------------------------------------------------
def test_edit_starts_from_a_versions_text(client, staff, stored):
    page = client.get(f"/scripts/{stored.id}/edit").get_data(as_text=True)
    assert "Partito da short_check versione 1." in page
    assert "Parlo con chi si occupa" in page and 'accesskey="s"' in page
    assert re.search(r'<pre class="gutter"[^>]*>1\n2\n3\n', page)  # the line numbers
    assert client.get("/scripts/new").status_code == 200
    assert client.get("/scripts/999999/edit").status_code == 404


def test_check_lists_every_problem_or_says_it_is_good(client, session, staff):
    before = footprint(session)
    good = editor(client, SHORT, "check")
    assert good.status_code == 200
    assert "Nessun problema: script short_check (sezioni: 1, domande: 3, esiti: 4)." in (
        good.get_data(as_text=True)
    )
    bad = editor(client, SHORT_BROKEN, "check")
    assert bad.status_code == 422
    assert "1 problema: lo script non può essere salvato" in bad.get_data(as_text=True)
    assert footprint(session) == before


def test_preview_shows_the_call_screen_with_a_sample_account_and_writes_nothing(
    client, session, staff
):
    before = footprint(session)
    response = editor(client, SHORT, "preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="preview-banner"' in page
    assert "Anteprima: short_check versione 1, non ancora salvata" in page
    assert "Autotrasporti Esempio S.r.l." in page
    assert 'href="tel:' not in page and "+39 02 1234 5678" in page  # not dialable
    assert 'id="preview-form"' in page and "data-preview" in page
    assert 'name="outcome"' not in page and 'type="submit" name="outcome"' not in page
    assert 'data-show-if=\'{"equals": false, "question": "is_decision_maker"}\'' in page
    assert 'value="Autotrasporti Esempio S.r.l."' in page  # pre-filled from the account
    assert "js/call_script.js" in page and "js/desk.js" not in page
    assert footprint(session) == before


def test_a_broken_text_is_not_previewed(client, staff):
    response = editor(client, SHORT_BROKEN, "preview")
    assert response.status_code == 422
    assert 'data-testid="preview-banner"' not in response.get_data(as_text=True)


def test_save_stores_a_version_and_a_text_with_problems_never(client, session, staff):
    refused = editor(client, SHORT_BROKEN, "save")
    assert refused.status_code == 422
    assert "riga 28, colonna 3" in refused.get_data(as_text=True)
    assert versions(session) == []
    saved = editor(client, SHORT.replace("\n", "\r\n"), "save")
    assert saved.status_code == 302
    assert versions(session) == [("short_check", 1)]
    again = editor(client, SHORT, "save")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Identico a short_check versione 1: nessuna nuova versione." in page
    assert versions(session) == [("short_check", 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Lo script è vuoto"),
        ("é" * (SCRIPT_MAX_BYTES // 2 + 1), "supera 256 KB"),
    ],
)
def test_an_empty_or_oversized_text_is_refused_beside_the_field(client, session, staff, text,
                                                                message):  # fmt: skip
    response = editor(client, text, "save")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'id="text-errors"' in page
    assert versions(session) == []


def test_an_editor_post_without_a_token_is_refused(client, session, staff):
    response = editor(client, SHORT, "save", token=False)
    assert response.status_code == 400
    assert versions(session) == []


# -- the checker's language ---------------------------------------------------------------
# Two mistakes: a typo in where an answer goes (line 21) and a type that does not exist (28).
TWO_MISTAKES = SHORT_BROKEN.replace('"contact.phone"', '"contact.phon"')


def problems_of(response) -> str:
    """The problems the page lists, as text."""
    found = re.search(r'<section class="problems".*?</section>', response.get_data(as_text=True),
                      re.S)  # fmt: skip
    assert found, "no problems listed"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(0)))


def test_the_problems_are_in_the_users_language_and_english_in_the_shell(
    client, staff, runner, tmp_path
):
    italian = problems_of(editor(client, TWO_MISTAKES, "check"))
    assert (
        "riga 21, colonna 3 sections[1].questions[2].maps_to: destinazione sconosciuta "
        "'contact.phon' (forse intendevi 'contact.phone'?) (scegli tra: account." in italian
    )
    assert (
        "riga 28, colonna 3 sections[1].questions[3].type: tipo sconosciuto 'testo' "
        "(scegli tra: text, integer, choice," in italian
    )
    assert "unknown" not in italian and "choose" not in italian

    path = tmp_path / "short_check.toml"
    path.write_text(TWO_MISTAKES, encoding="utf-8")
    shell = runner.invoke(args=["scripts", "check", str(path)])
    assert shell.exit_code == 1
    assert (
        "line 21, column 3: sections[1].questions[2].maps_to: unknown target 'contact.phon' "
        "(did you mean 'contact.phone'?) (choose one of: account." in shell.stderr
    )
    assert (
        "line 28, column 3: sections[1].questions[3].type: unknown type 'testo' "
        "(choose one of: text, integer, choice," in shell.stderr
    )
    assert "sconosciut" not in shell.stderr

    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, INDEX)})
    english = problems_of(editor(client, TWO_MISTAKES, "check"))  # the same text again
    assert (
        "line 21, column 3 sections[1].questions[2].maps_to: unknown target 'contact.phon' "
        "(did you mean 'contact.phone'?) (choose one of: account." in english
    )
    assert "2 problems: the script cannot be saved" in english
    assert "sconosciut" not in english and "scegli" not in english


def test_a_toml_syntax_error_is_in_the_users_language_too(client, staff):
    broken = SHORT.replace('title.en = "Opening"', 'title.en = "Opening')
    italian = problems_of(editor(client, broken, "check"))
    assert "riga 9, colonna 20: errore di sintassi TOML: carattere non ammesso '\\n'" in italian
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, INDEX)})
    english = problems_of(editor(client, broken, "check"))
    assert "line 9, column 20: TOML syntax error: Illegal character '\\n'" in english


# -- a version, its preview, differences ---------------------------------------------------
def test_a_version_page_lists_versions_campaigns_and_calls(client, session, staff, stored):
    newer = load_script(session, SHORT.replace("Apertura", "Inizio"), user_id=staff.id)
    factories.campaign(session, code="PILOT16", call_script_id=stored.id)
    page = client.get(f"/scripts/{stored.id}").get_data(as_text=True)
    assert "Esiste una versione più recente:" in page
    assert "PILOT16" in page and "Passa alla versione 2" in page
    assert f'name="seen" type="hidden" value="{newer.id}"' in page
    assert "Chiamate fatte con questa" in page
    assert '<tr id="L28"><th scope="row">28</th>' in page


def test_the_preview_of_a_stored_version(client, auth, users, stored):
    auth.login("supervisor")
    page = client.get(f"/scripts/{stored.id}/preview").get_data(as_text=True)
    assert "Anteprima di short_check versione 1" in page
    assert "v1" in page and 'data-testid="preview-banner"' in page
    assert "Parlo con chi si occupa" in page


def test_differences_side_by_side_every_line_escaped(client, session, staff, stored):
    first = client.get(f"/scripts/{stored.id}/diff").get_data(as_text=True)
    assert "Questa è la prima versione dello script" in first
    edited = SHORT.replace('title.it = "Apertura"', 'title.it = "Apertura <b>&</b>"')
    newer = load_script(session, edited + "# <script>alert(1)</script>\n", user_id=staff.id)
    page = client.get(f"/scripts/{newer.id}/diff").get_data(as_text=True)
    assert 'class="changed"' in page and 'class="added"' in page
    assert "<script>alert(1)</script>" not in page
    assert "# &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Apertura &lt;b&gt;&amp;&lt;/b&gt;" in page
    chosen = client.get(f"/scripts/{stored.id}/diff?against={newer.id}")
    assert "A sinistra la versione 2, a destra la versione 1" in chosen.get_data(as_text=True)
    assert client.get(f"/scripts/{stored.id}/diff?against=999999").status_code == 200


# -- switching a campaign ------------------------------------------------------------------
def test_a_campaign_switches_to_the_newest_version_in_one_action(client, session, staff,
                                                                 stored):  # fmt: skip
    newer = load_script(session, SHORT.replace("Apertura", "Inizio"), user_id=staff.id)
    campaign = factories.campaign(session, code="PILOT16", call_script_id=stored.id)
    token = csrf_token(client, f"/scripts/{stored.id}")
    url = f"/scripts/campaigns/{campaign.id}/use-newest"
    response = client.post(url, data={"csrf_token": token, "seen": newer.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/scripts/{newer.id}")
    session.refresh(campaign)
    assert campaign.call_script_id == newer.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La campagna PILOT16 ora usa short_check versione 2" in page
    again = client.post(url, data={"csrf_token": token, "seen": newer.id}, follow_redirects=True)
    assert "usa già la versione più recente (2)" in again.get_data(as_text=True)


def test_a_switch_to_a_version_not_seen_or_without_a_token_changes_nothing(
    client, session, staff, stored
):
    load_script(session, SHORT.replace("Apertura", "Inizio"), user_id=staff.id)
    campaign = factories.campaign(session, call_script_id=stored.id)
    url = f"/scripts/campaigns/{campaign.id}/use-newest"
    token = csrf_token(client, INDEX)
    stale = client.post(url, data={"csrf_token": token, "seen": stored.id},
                        follow_redirects=True)  # fmt: skip
    assert "stata salvata una versione più recente" in stale.get_data(as_text=True)
    assert client.post(url, data={"seen": stored.id}).status_code == 400
    session.refresh(campaign)
    assert campaign.call_script_id == stored.id
    assert client.post("/scripts/campaigns/999999/use-newest",
                       data={"csrf_token": token}).status_code == 404  # fmt: skip
