"""``flask mail status`` says where mail goes."""

from __future__ import annotations


def test_status_names_the_folder_without_a_server(app, runner, mail_folder):
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0, result.output
    assert str(mail_folder) in result.output
