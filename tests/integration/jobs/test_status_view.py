import uuid

from app.jobs.models import JobRun, JobStatus
from app.security import Role
from tests import factories


def make_run(session, owner, **kw):
    run = JobRun(id=str(uuid.uuid4()), kind="test.count", created_by_id=owner.id, **kw)
    session.add(run)
    session.flush()
    return run


def test_owner_polls_progress(client, auth, users, session):
    run = make_run(session, users["staff"], status=JobStatus.RUNNING, progress=30, total=120)
    auth.login("staff")
    data = client.get(f"/jobs/{run.id}").get_json()
    assert data["status"] == "running" and data["percent"] == 25
    assert data["progress"] == 30 and data["total"] == 120


def test_traceback_never_sent_to_the_browser(client, auth, users, session):
    run = make_run(
        session,
        users["staff"],
        status=JobStatus.FAILED,
        message="ValueError: x",
        result={"traceback": "File secret.py line 1"},
    )
    auth.login("staff")
    data = client.get(f"/jobs/{run.id}").get_json()
    assert data["status"] == "failed" and data["result"] == {}


def test_someone_elses_job_is_refused(client, auth, users, session):
    other = factories.user(session, Role.STAFF)
    run = make_run(session, other)
    auth.login("staff")
    assert client.get(f"/jobs/{run.id}").status_code == 403
    auth.logout()
    auth.login("admin")
    assert client.get(f"/jobs/{run.id}").status_code == 200


def test_unknown_job_is_404(client, auth, users):
    auth.login("agent")
    assert client.get(f"/jobs/{uuid.uuid4()}").status_code == 404


def test_jobs_started_inside_the_test_transaction_are_recorded_not_run(session, test_jobs):
    from app.extensions import db
    from app.jobs.runner import start_job

    app = test_jobs
    with app.app_context():
        run_id = start_job(db.session, "test.count", {"n": 1, "marker": "x"}).id
        db.session.commit()
    assert session.info["dispatched_jobs"] == [run_id]
