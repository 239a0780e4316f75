"""A campaign run entirely in the browser, with no shell command after ``scripts/demo``.

The database is seeded as ``scripts/demo`` seeds it; from then on everything happens in
Chromium, in Italian. The administrator creates two teams and four people; the new staff
member imports a file, builds a segment, uploads a call script (a broken one first),
creates a campaign for the first team, edits an outcome, queues the segment and activates
the campaign; the first team's agent qualifies an account while the second team's agent
does not even see the campaign; the team's supervisor follows it on the board; staff hand
the qualified account out in a wave and export its files. Then, on Sunday evening, the
live campaign says when calls reopen while the practice campaign still serves accounts.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Page, expect

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.board import cache as board_cache
from app.campaigns.calendar import public_holidays
from app.demo.services import DEMO_PASSWORD, DEMO_SCRIPT, PRACTICE_CAMPAIGN, seed_demo
from app.extensions import db
from tests.browser.conftest import (
    _browser_database,
    qualify,
    refresh_board,
    screenshot,
    serving,
    stand_still,
)
from tests.conftest import build_app, migrate_to_head

pytestmark = pytest.mark.browser

ACCOUNTS = 150  # a small demo base: the journey needs its reference data, not its size
ROME = ZoneInfo("Europe/Rome")
NEW_PASSWORD = "una frase lunga da ricordare"  # nosec B105 # test data
TEAM = ("CC-ALFA", "Call center Alfa")
OTHER_TEAM = ("CC-BETA", "Call center Beta")
STAFF = ("giulia.marketing", "Giulia Marketing")
SUPERVISOR = ("sara.supervisore", "Sara Supervisore")
AGENT = ("luca.alfa", "Luca Operatore")
OTHER_AGENT = ("pietro.beta", "Pietro Operatore")
CAMPAIGN = ("GIRO-BO", "Giro Bologna: clienti importati")
# The file's company names (as the desk shows them again), and the names the import keeps
# (legal form apart, capitals).
COMPANIES = {
    "Autotrasporti Felsinei S.r.l.": "AUTOTRASPORTI FELSINEI",
    "Trasporti Reno e Savena S.n.c.": "TRASPORTI RENO E SAVENA",
    "Logistica Due Torri S.p.A.": "LOGISTICA DUE TORRI",
}


@pytest.fixture(scope="module")
def journey_app(tmp_path_factory) -> Iterator[Flask]:
    """A database of its own, seeded as ``scripts/demo`` seeds it (fewer accounts)."""
    app = build_app(_browser_database(str(tmp_path_factory.mktemp("journey")), "journey"))
    migrate_to_head(app)
    with app.app_context():
        seed_demo(db.session, accounts=ACCOUNTS)
        db.session.commit()
    # The board keeps its figures in this process's memory, which the other live server
    # shares: without this, the first board would show that server's campaigns.
    board_cache.forget()
    yield app
    board_cache.forget()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def journey_server(journey_app) -> Iterator[str]:
    with serving(journey_app) as url:
        yield url


@pytest.fixture
def person(browser, journey_server) -> Iterator[Callable[[], Page]]:
    """A fresh browser window (its own cookies) for each person who signs in."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=journey_server, viewport={"width": 1366, "height": 768}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def first_sign_in(page: Page, username: str, temporary: str) -> None:
    """Sign in with the temporary password and choose one's own, as every page demands."""
    sign_in(page, username, temporary)
    page.wait_for_url("**/password")
    expect(page.get_by_test_id("password-forced")).to_be_visible()
    page.get_by_label("Password attuale").fill(temporary)
    page.get_by_label("Nuova password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ripeti la nuova password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Cambia la password").click()
    expect(page.get_by_role("status").first).to_have_text("La tua password è stata cambiata.")


def create_team(page: Page, code: str, name: str) -> None:
    page.get_by_label("Codice").fill(code)
    page.get_by_label("Nome", exact=True).fill(name)
    page.get_by_role("button", name="Crea il team").click()
    expect(page.get_by_role("status")).to_have_text(f"Team {code} creato.")
    page.get_by_role("link", name="Torna ai team").click()


def create_user(page: Page, user: tuple[str, str], role: str, team=None) -> str:
    """Create a user on the admin's pages; their temporary password, shown once."""
    page.get_by_role("link", name="Utenti", exact=True).click()
    page.get_by_role("link", name="Nuovo utente").click()
    form = page.get_by_test_id("user-form")
    form.get_by_label("Nome utente").fill(user[0])
    form.get_by_label("Nome e cognome").fill(user[1])
    form.get_by_label("Ruolo").select_option(role)
    if team is not None:
        form.get_by_label("Team").select_option(label=f"{team[0]} · {team[1]}")
    form.get_by_role("button", name="Crea l\u2019utente").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utente creato")
    return page.get_by_test_id("temporary-password").inner_text()


def campaign_card(page: Page, name: str):
    return page.get_by_test_id("desk-campaign").filter(has_text=name)


def customer_file(tmp_path, tag: str):
    """A small customer base in Bologna, whose municipality the demo's reference knows."""
    lines = ["RAGIONE SOCIALE;INDIRIZZO;CAP;COMUNE;PROV;TELEFONO"]
    for n, company in enumerate(COMPANIES):
        lines.append(f"{company};Via Emilia {n + 10};40121;BOLOGNA;BO;051 63{n}4{n}7{n}")
    path = tmp_path / f"clienti-{tag}.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    return path


def sunday_evening_after(morning: datetime) -> datetime:
    sunday = morning.date() + timedelta(days=6 - morning.weekday())
    return datetime(sunday.year, sunday.month, sunday.day, 21, 30, tzinfo=ROME)


def reopening_day(sunday: date) -> date:
    """The first day after ``sunday`` that is neither a Sunday nor a public holiday."""
    day = sunday + timedelta(days=1)
    while day.weekday() == 6 or day in public_holidays(day.year):
        day += timedelta(days=1)
    return day


def test_a_campaign_run_entirely_in_the_browser(person, journey_app, tmp_path, office_hours):
    tag = uuid.uuid4().hex[:6]

    # -- The administrator: two teams, a staff member, a supervisor and two agents. -----
    admin = person()
    sign_in(admin, "admin", DEMO_PASSWORD)
    admin.wait_for_url("**/users/")
    admin.get_by_role("link", name="Team", exact=True).click()
    admin.wait_for_url("**/teams/")
    create_team(admin, *TEAM)
    create_team(admin, *OTHER_TEAM)
    expect(admin.get_by_test_id(f"team-{TEAM[0]}")).to_be_visible()
    expect(admin.get_by_test_id(f"team-{OTHER_TEAM[0]}")).to_be_visible()
    screenshot(admin, "journey-teams")
    passwords = {
        STAFF[0]: create_user(admin, STAFF, "staff"),
        SUPERVISOR[0]: create_user(admin, SUPERVISOR, "supervisor", TEAM),
        AGENT[0]: create_user(admin, AGENT, "agent", TEAM),
        OTHER_AGENT[0]: create_user(admin, OTHER_AGENT, "agent", OTHER_TEAM),
    }
    screenshot(admin, "journey-temporary-password")
    admin.get_by_role("link", name="Utenti", exact=True).click()
    for username in passwords:
        expect(admin.get_by_role("link", name=username, exact=True)).to_be_visible()
    screenshot(admin, "journey-users")

    # -- Staff: a file imported, and a segment of its accounts. -------------------------
    staff = person()
    first_sign_in(staff, STAFF[0], passwords[STAFF[0]])
    staff.wait_for_url("**/workspace/")
    staff.get_by_role("link", name="Importazioni").click()
    staff.get_by_label("File (CSV, XLSX o ODS)").set_input_files(str(customer_file(tmp_path, tag)))
    staff.get_by_label("Tipo di file").select_option("customer_base")
    staff.get_by_role("button", name="Leggi il file").click()
    expect(staff.get_by_role("heading", name=f"Colonne di clienti-{tag}.csv")).to_be_visible()
    expect(staff.get_by_label("Campo per la colonna COMUNE")).to_have_value("municipality")
    staff.get_by_role("button", name="Importa").click()
    expect(staff.get_by_test_id("import-report")).to_be_visible(timeout=30_000)
    expect(staff.get_by_test_id("accounts-created")).to_have_text(str(len(COMPANIES)))
    screenshot(staff, "journey-import-report")

    staff.get_by_role("link", name="Area di lavoro").click()
    staff.get_by_role("link", name="Segmenta la base").click()
    staff.get_by_label("Presente in").select_option(label="Anagrafica clienti")
    staff.get_by_role("button", name="Conta").click()
    expect(staff.locator("#plan-matching")).to_have_text(str(len(COMPANIES)))
    segment_url = staff.url
    screenshot(staff, "journey-segment")

    # -- Staff: the call script, refused with its line, then saved as a new version. ----
    shipped = DEMO_SCRIPT.read_text(encoding="utf-8")
    lines = shipped.splitlines(keepends=True)
    broken_line = next(n for n, line in enumerate(lines) if 'type = "text"' in line)
    lines[broken_line] = lines[broken_line].replace('"text"', '"testo"')
    staff.get_by_role("link", name="Script", exact=True).click()
    staff.get_by_label("File dello script (.toml)").set_input_files(
        {"name": "fleet_qualification.toml", "mimeType": "text/plain",
         "buffer": "".join(lines).encode()}
    )  # fmt: skip
    staff.get_by_role("button", name="Carica e salva").click()
    problems = staff.get_by_test_id("problems")
    expect(problems).to_contain_text("1 problema: lo script non può essere salvato")
    expect(problems).to_contain_text(f"riga {broken_line + 1}, colonna")
    screenshot(staff, "journey-script-refused")
    good = shipped.replace(
        'title.it = "Qualificazione parco veicoli"',
        'title.it = "Qualificazione parco veicoli (Bologna)"',
    )
    assert good != shipped
    staff.get_by_role("link", name="Script", exact=True).click()
    staff.get_by_label("File dello script (.toml)").set_input_files(
        {"name": "fleet_qualification.toml", "mimeType": "text/plain", "buffer": good.encode()}
    )
    staff.get_by_role("button", name="Carica e salva").click()
    expect(staff.get_by_role("status").first).to_have_text(
        "Salvato: fleet_qualification versione 2."
    )

    # -- Staff: the campaign, for the first team, on version 2, an outcome changed. -----
    code, name = CAMPAIGN
    staff.get_by_role("link", name="Campagne", exact=True).click()
    staff.get_by_role("link", name="Nuova campagna").click()
    staff.get_by_label("Codice").fill(code)
    staff.get_by_label("Nome", exact=True).fill(name)
    script = staff.get_by_label("Versione dello script di chiamata")
    expect(script.locator("option:checked")).to_have_text("fleet_qualification v2 (la più recente)")
    teams = staff.get_by_test_id("teams")
    teams.get_by_label(f"{TEAM[1]} ({TEAM[0]})").check()
    expect(teams.get_by_label(f"{OTHER_TEAM[1]} ({OTHER_TEAM[0]})")).not_to_be_checked()
    screenshot(staff, "journey-campaign-form")
    staff.get_by_role("button", name="Salva la campagna").click()
    expect(staff.get_by_role("status").first).to_have_text(f"Campagna {code} creata come bozza.")
    expect(staff.get_by_test_id("teams")).to_have_text(f"{TEAM[1]} ({TEAM[0]})")

    staff.get_by_role("link", name="Esiti", exact=True).click()
    busy = staff.get_by_test_id("outcome-5")
    expect(busy.get_by_label("Codice")).to_have_value("busy")
    busy.get_by_label("Etichetta in italiano").fill("Linea occupata")
    staff.get_by_role("button", name="Salva gli esiti").click()
    expect(staff.get_by_role("status").first).to_have_text("Gli esiti sono salvati.")

    # The segment is a link: opened again, its accounts go into the campaign's queue.
    staff.goto(segment_url)
    staff.get_by_label("Campagna").select_option(label=f"{code} · {name}")
    staff.get_by_role("button", name="Mettile nella coda della campagna").click()
    expect(staff.get_by_role("status").first).to_have_text(
        f"{len(COMPANIES)} anagrafiche messe nella coda di {name} (0 c'erano già)."
    )

    staff.get_by_role("link", name="Campagne", exact=True).click()
    staff.get_by_role("link", name=name).click()
    expect(staff.get_by_test_id("in-queue")).to_have_text(str(len(COMPANIES)))
    staff.get_by_role("link", name="Attiva", exact=True).click()
    checks = staff.get_by_test_id("checks")
    expect(checks.locator('[data-check="script"]')).to_contain_text("fleet_qualification v2")
    expect(checks.locator('[data-check="queue"]')).to_have_text(
        f"OK: {len(COMPANIES)} account attendono in coda."
    )
    expect(checks.locator('[data-check="agents"]')).to_have_text(
        "OK: 1 operatore attivo può lavorarla."
    )
    expect(checks.locator('[data-check="donotcall"]')).to_have_attribute("data-level", "warning")
    screenshot(staff, "journey-activation-checks")
    staff.get_by_test_id("confirm").click()
    expect(staff.get_by_role("status").first).to_have_text("Ora la campagna è: In corso.")

    # -- The first team's agent qualifies an account; the other team's never sees it. --
    agent = person()
    first_sign_in(agent, AGENT[0], passwords[AGENT[0]])
    agent.wait_for_url("**/desk/")
    card = campaign_card(agent, name)
    expect(card).to_be_visible()
    screenshot(agent, "journey-desk")
    card.get_by_role("button", name="Prossimo account").click()
    agent.wait_for_url("**/desk/calls/*")
    heading = agent.get_by_role("heading", level=1)
    shown = heading.inner_text()
    assert shown in COMPANIES  # read the Italian way again: "Autotrasporti Felsinei S.r.l."
    qualified = agent.locator("#q-company_name").input_value()  # as the account keeps it
    assert qualified == COMPANIES[shown]
    expect(agent.get_by_role("button", name="Linea occupata")).to_be_visible()
    qualify(agent)
    expect(agent.get_by_role("status").first).to_have_text("Esito salvato.")
    expect(heading).not_to_have_text(shown)
    screenshot(agent, "journey-next-call")

    other = person()
    first_sign_in(other, OTHER_AGENT[0], passwords[OTHER_AGENT[0]])
    other.wait_for_url("**/desk/")
    # The demo's campaigns are open to every team; the new one only to the first.
    expect(campaign_card(other, "Pilota mezzi pesanti oltre 16 t")).to_be_visible()
    expect(campaign_card(other, "Prova: addestramento al desk")).to_be_visible()
    expect(campaign_card(other, name)).to_have_count(0)
    screenshot(other, "journey-desk-other-team")

    # -- The team's supervisor: the campaign and its call on the board. -----------------
    supervisor = person()
    stand_still(supervisor.context)  # the board polls when the test says
    first_sign_in(supervisor, SUPERVISOR[0], passwords[SUPERVISOR[0]])
    supervisor.wait_for_url("**/board/")
    row = supervisor.locator("tr[data-campaign]", has_text=name)
    expect(row.locator('[data-field="attempts"]')).to_have_text("1")
    expect(row.locator('[data-field="qualified"]')).to_have_text("1")
    expect(row.locator('[data-field="redemption"]')).to_have_text("100,0%")
    expect(supervisor.locator("[data-board-as-of]")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    screenshot(supervisor, "journey-board")
    row.get_by_role("link", name=name).click()
    expect(supervisor.get_by_test_id("agents")).to_contain_text(AGENT[1])  # the display name
    screenshot(supervisor, "journey-board-campaign")
    as_of = supervisor.locator("[data-figures-as-of]")
    computed = as_of.get_attribute("datetime")

    # -- Staff: a wave with the qualified account, and its files. -----------------------
    staff.get_by_role("link", name="Distribuzione").click()
    staff.get_by_label("Nome dell\u2019ondata").fill(f"Ondata {tag}")
    staff.get_by_label("Account per venditore").fill("50")
    staff.get_by_role("button", name="Anteprima dell\u2019ondata").click()
    expect(staff.get_by_test_id("wave-preview")).to_be_visible()
    staff.get_by_role("button", name="Crea l\u2019ondata (bozza)").click()
    expect(staff.get_by_test_id("wave-status")).to_contain_text("Bozza")
    staff.get_by_role("button", name="Conferma: consegna gli account").click()
    expect(staff.get_by_test_id("wave-status")).to_contain_text("Confermata")
    staff.get_by_role("button", name="Esporta i file").click()
    expect(staff.get_by_test_id("export-done")).to_be_visible(timeout=60_000)
    screenshot(staff, "journey-export")
    with staff.expect_download() as info:
        staff.get_by_test_id("download-all").click()
    with zipfile.ZipFile(info.value.path()) as bundle:
        names = bundle.namelist()
        assert any(n.endswith(".pdf") for n in names)
        sheets = [bundle.read(n).decode("utf-8-sig") for n in names if n.endswith(".csv")]
    assert any(qualified in sheet for sheet in sheets)

    # Meanwhile the supervisor's open page refreshes its figures by itself.
    refresh_board(supervisor)
    expect(as_of).not_to_have_attribute("datetime", computed)
    refreshed = datetime.fromisoformat(as_of.get_attribute("datetime"))
    expect(as_of).to_have_text(refreshed.astimezone(ROME).strftime("%H:%M:%S"))

    # -- Sunday evening: the live campaign waits for Monday, practice goes on. ----------
    evening = sunday_evening_after(datetime.now(ROME))
    reopens = format_date(reopening_day(evening.date()), "EEEE d MMMM", locale="it")
    with time_machine.travel(evening, tick=True):
        sunday = person()
        sign_in(sunday, AGENT[0], NEW_PASSWORD)
        sunday.wait_for_url("**/desk/")
        live = campaign_card(sunday, name)
        expect(live.get_by_test_id("reopens")).to_have_text(
            f"Fuori dall'orario di chiamata: si riprende a chiamare {reopens} alle 09:00."
        )
        expect(live.get_by_role("button", name="Prossimo account")).to_have_count(0)
        practice = campaign_card(sunday, "Prova: addestramento al desk")
        expect(practice).to_contain_text(PRACTICE_CAMPAIGN)
        screenshot(sunday, "journey-sunday-desk")
        practice.get_by_role("button", name="Prossimo account").click()
        sunday.wait_for_url("**/desk/calls/*")
        expect(sunday.get_by_test_id("practice-banner")).to_be_visible()
        screenshot(sunday, "journey-sunday-practice-call")

    # What the browser did, read back: the qualified account was handed out.
    with journey_app.app_context():
        account = db.session.scalars(sa.select(Account).where(Account.company_name == qualified))
        assert account.one().status == AccountStatus.DISTRIBUTED
