import pytest

from app.security import safe_next_url


@pytest.mark.parametrize("target", ["/desk/", "/workspace/?page=2"])
def test_same_site_paths_are_kept(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "desk/",
        "javascript:alert(1)",
    ],
)
def test_other_targets_are_dropped(target):
    assert safe_next_url(target) is None
