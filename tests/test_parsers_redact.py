"""`redact` removes keepalived and HAProxy secrets, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.parsers.redact import MASK, redact

CAPTURED = Path(__file__).parent / "fixtures" / "captured"
SECRET = "891e2ab0"


def test_captured_json_auth_data_is_masked() -> None:
    text = (CAPTURED / "keepalived-json-healthy-m1.json").read_text()
    assert f'"auth_data":"{SECRET}"' in text
    out = redact(text)
    assert SECRET not in out
    assert f'"auth_data":"{MASK}"' in out
    # Everything else is untouched: the same text apart from the secret.
    assert out.replace(MASK, SECRET) == text


def test_captured_data_dump_password_is_masked_type_kept() -> None:
    text = (CAPTURED / "keepalived-data-healthy-m1.txt").read_text()
    out = redact(text)
    assert SECRET not in out
    assert f"   Password = {MASK}" in out
    assert "Authentication type = SIMPLE_PASSWORD" in out  # not a secret, useful to show


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            "    authentication {\n        auth_type PASS\n        auth_pass IsAuthPassword\n",
            "IsAuthPassword",
        ),
        ('{"auth_pass": "s3cr3t", "x": 1}', "s3cr3t"),
        ('[{"data":{"auth_data":"891e2a', "891e2a"),  # cut inside the value
        ('{"auth_data":"a\\"b"}', 'a\\"b'),  # escaped quote inside the value
        ("  stats auth admin:Hunter2!\n", "Hunter2!"),
        ("userlist ops\n  user alice password $6$abc$def\n", "$6$abc$def"),
        ("userlist ops\n  user bob insecure-password plain\n", "plain"),
        ("   Password = IsAuthPass", "IsAuthPass"),
    ],
)
def test_secret_forms(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and MASK in out


def test_stats_auth_keeps_user() -> None:
    assert redact("stats auth admin:pw") == f"stats auth admin:{MASK}"


@pytest.mark.parametrize(
    "text",
    [
        "Mon Nov 23 09:44:47 2026: (VI_1) Entering BACKUP STATE",
        "kubernetes-apiserver,m1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,39",
        "   Authentication type = SIMPLE_PASSWORD",
        "",
    ],
)
def test_text_without_secrets_is_unchanged(text: str) -> None:
    assert redact(text) == text
