"""``flask mail status`` says where mail goes."""

from __future__ import annotations


def test_status_names_the_folder_without_a_server(app, runner, mail_folder):
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0, result.output
    assert str(mail_folder) in result.output


def test_a_salespersons_address_and_language_from_the_shell(app, session, runner):
    from tests import factories

    person = factories.salesperson(session, factories.dealer(session, factories.zone(session)))
    session.commit()
    assert person.email is None and person.locale == "it"
    args = ["territory", "salesperson", person.code]
    result = runner.invoke(args=[*args, "--email", "v.rossi@example.test", "--locale", "en"])
    assert result.exit_code == 0, result.output
    session.refresh(person)
    assert (person.email, person.locale) == ("v.rossi@example.test", "en")
    refused = runner.invoke(args=[*args, "--email", "v.rossi at example"])
    assert refused.exit_code != 0 and "is not an e-mail address" in refused.output
    session.refresh(person)
    assert person.email == "v.rossi@example.test"
