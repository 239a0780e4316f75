"""The browser's tab icon: linked from every page and at /favicon.ico, no sign-in needed."""

from __future__ import annotations


def test_the_favicon_answers_without_signing_in(client) -> None:
    with client.get("/favicon.ico") as response:  # a file: held open until closed
        assert response.status_code == 200
        assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_links_its_icon(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in page
    href = page.split('rel="icon"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    with client.get(href) as linked:
        assert linked.status_code == 200 and linked.mimetype == "image/svg+xml"
