from tests.conftest import csrf_token


def test_italian_by_default(client, users):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="it">' in page
    assert "Accedi" in page and "Nome utente" in page


def test_switch_to_english_and_back(client, users):
    token = csrf_token(client)
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "Username" in page
    token = csrf_token(client)
    client.post("/language", data={"lang": "it", "csrf_token": token})
    assert "Accedi" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client, users):
    token = csrf_token(client)
    client.post("/language", data={"lang": "xx", "csrf_token": token})
    assert '<html lang="it">' in client.get("/login").get_data(as_text=True)


def test_language_switch_needs_csrf(client, users):
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_signed_in_choice_is_remembered_on_the_user(client, auth, users, session):
    auth.login("staff")
    token = csrf_token(client, "/workspace/")
    client.post("/language", data={"lang": "en", "csrf_token": token})
    session.refresh(users["staff"])
    assert users["staff"].locale == "en"
    assert "Staff workspace" in client.get("/workspace/").get_data(as_text=True)


def test_error_pages_are_translated(client, auth, users):
    auth.login("agent")
    page = client.get("/board/")
    assert page.status_code == 403
    assert "Accesso negato" in page.get_data(as_text=True)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Pagina non trovata" in missing.get_data(as_text=True)


def test_static_assets_served_locally(client, users):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/css/app.css" in page
    assert "http://" not in page and "https://" not in page  # no CDN
    with client.get("/static/css/app.css") as css:  # closed: a static file is held open
        assert css.status_code == 200


def test_wtforms_messages_follow_the_readers_language(app):
    """WTForms' own messages (its catalogue, read once per language and kept) come in the
    language of each request, one request after another in the same process."""
    from flask import session
    from wtforms import IntegerField

    from app.forms import BaseForm

    class Count(BaseForm):
        class Meta:
            csrf = False

        vehicles = IntegerField()

    seen = {}
    for lang in ("it", "en", "it"):
        with app.test_request_context(method="POST", data={"vehicles": "tre"}):
            session["lang"] = lang
            form = Count()
            assert not form.validate()
            seen.setdefault(lang, set()).add(form.vehicles.errors[0])
    assert seen == {"it": {"Non è una valore intero valido"}, "en": {"Not a valid integer value."}}
