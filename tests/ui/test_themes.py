"""Theme files: the shipped ones are valid and complete; broken ones are reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.themes import SEMANTIC, SHIPPED_DIR, load_themes, user_themes_dir

APP_TCSS = Path(__file__).parents[2] / "src" / "hatui" / "ui" / "app.tcss"


def test_shipped_themes_load_with_every_semantic_variable() -> None:
    loaded, failed = load_themes((SHIPPED_DIR,))
    assert failed == []
    assert {t.name for t in loaded} >= {"dark", "light", "high-contrast"}
    for t in loaded:
        assert set(SEMANTIC) <= set(t.variables)
        assert t.to_textual().variables["vrrp-master"] == t.variables["vrrp-master"]


def test_tcss_holds_no_hex_colours() -> None:
    import re

    assert not re.search(r"#[0-9a-fA-F]{3,8}\b", APP_TCSS.read_text())


def test_broken_files_are_failures_and_user_themes_override(tmp_path: Path) -> None:
    (tmp_path / "bad-yaml.yaml").write_text("name: [unclosed\n")
    (tmp_path / "missing.yaml").write_text("name: missing\nprimary: '#000000'\nvariables: {}\n")
    (tmp_path / "notcolour.yaml").write_text("primary: 'blurple'\n")
    good = (SHIPPED_DIR / "dark.yaml").read_text().replace("#4f9fd8", "#123456")
    (tmp_path / "dark.yaml").write_text(good)
    loaded, failed = load_themes((SHIPPED_DIR, tmp_path))
    reasons = {f.path.name: f.message for f in failed}
    assert set(reasons) == {"bad-yaml.yaml", "missing.yaml", "notcolour.yaml"}
    assert "vrrp-master" in reasons["missing.yaml"]
    assert "blurple" in reasons["notcolour.yaml"]
    dark = next(t for t in loaded if t.name == "dark")
    assert dark.colors["primary"] == "#123456"  # the user's file wins


def test_user_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_themes_dir() == tmp_path / "hatui" / "themes"
