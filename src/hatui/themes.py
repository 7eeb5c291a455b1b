"""Themes are data: `themes/*.yaml` files, validated into `ThemeFile`, turned into Textual themes.

Each file gives Textual's base colours and hatui's semantic variables (`SEMANTIC`), which the
`.tcss` and the panes use by name (`$vrrp-master`, `$backend-down`...); no colour is written
anywhere else. `load_themes` never raises for a bad file: it returns the themes it could load
and a `ThemeFailure` per file it could not, which the app shows as notifications.

Search order: the themes shipped with hatui, then the user's `$XDG_CONFIG_HOME/hatui/themes`
(default `~/.config/hatui/themes`); a user theme of the same name replaces a shipped one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from textual.color import Color, ColorParseError
from textual.theme import Theme

SEMANTIC = (
    "vrrp-master",
    "vrrp-backup",
    "vrrp-fault",
    "backend-up",
    "backend-down",
    "backend-maint",
    "vip-holder",
    "node-unreachable",
    "verdict-healthy",
    "verdict-degraded",
    "verdict-down",
    "verdict-unknown",
)
"""The variables every hatui theme must define (used by app.tcss and the panes)."""

BASE = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
        "boost", "warning", "error", "success")  # fmt: skip
"""Textual's own theme colours a file may set (`primary` is required)."""

#: In a checkout (editable install) the repo's themes/; in a wheel, hatui/themes/ (force-included).
_PACKAGED = Path(__file__).resolve().parent / "themes"
SHIPPED_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "themes"
"""The themes/ folder at the repository root."""

DEFAULT_THEME = "dark"


def user_themes_dir() -> Path:
    """`$XDG_CONFIG_HOME/hatui/themes`, or `~/.config/hatui/themes`."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hatui" / "themes"


@dataclass(frozen=True)
class ThemeFile:
    """One validated theme file."""

    name: str
    dark: bool
    colors: dict[str, str]
    """Textual base colours by name (primary, background...)."""
    variables: dict[str, str] = field(default_factory=dict)
    """The semantic variables (every name in `SEMANTIC`), plus any extra Textual variable."""
    path: Path | None = None

    def to_textual(self) -> Theme:
        return Theme(name=self.name, dark=self.dark, variables=dict(self.variables), **self.colors)  # type: ignore[arg-type]  # colours are all str-valued keywords


@dataclass(frozen=True)
class ThemeFailure:
    """A theme file that could not be loaded, and why (one line for a notification)."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path.name}: {self.message}"


class ThemeFileError(ValueError):
    """A theme file's content is wrong; the message says which key and why."""


def _color(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f"{key}: expected a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError as e:
        raise ThemeFileError(f"{key}: {value!r} is not a colour") from e
    return value


def parse_theme(data: Any, *, default_name: str, path: Path | None = None) -> ThemeFile:
    """A `ThemeFile` from a file's YAML data; `ThemeFileError` says what is wrong."""
    if not isinstance(data, dict):
        raise ThemeFileError("expected a mapping at the top level")
    unknown = set(data) - {"name", "dark", "variables", *BASE}
    if unknown:
        raise ThemeFileError(f"unknown key(s): {', '.join(sorted(unknown))}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError("name: expected a non-empty string")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError("dark: expected true or false")
    if "primary" not in data:
        raise ThemeFileError("primary: missing")
    colors = {k: _color(k, data[k]) for k in BASE if k in data}
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ThemeFileError("variables: expected a mapping")
    missing = [v for v in SEMANTIC if v not in variables]
    if missing:
        raise ThemeFileError(f"variables: missing {', '.join(missing)}")
    checked = {str(k): _color(f"variables.{k}", v) for k, v in variables.items()}
    return ThemeFile(name=name, dark=dark, colors=colors, variables=checked, path=path)


def load_theme_file(path: Path) -> ThemeFile:
    """One theme file; raises `ThemeFileError` or `OSError`/`yaml.YAMLError`."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return parse_theme(data, default_name=path.stem, path=path)


def load_themes(
    dirs: tuple[Path, ...] | None = None,
) -> tuple[list[ThemeFile], list[ThemeFailure]]:
    """Every theme in `dirs` (default: shipped, then user) and the files that failed."""
    if dirs is None:
        dirs = (SHIPPED_DIR, user_themes_dir())
    loaded: dict[str, ThemeFile] = {}
    failed: list[ThemeFailure] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted([*d.glob("*.yaml"), *d.glob("*.yml")]):
            try:
                theme = load_theme_file(path)
            except (OSError, yaml.YAMLError, ThemeFileError) as e:
                # one broken file must not stop hatui: it is reported and skipped
                failed.append(ThemeFailure(path, str(e).splitlines()[0] if str(e) else repr(e)))
                continue
            loaded[theme.name] = theme
    return list(loaded.values()), failed
