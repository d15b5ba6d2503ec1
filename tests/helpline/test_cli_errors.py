"""Bad settings and an unsafe keyring end a `helpline` command with a clear message naming what
is wrong and how to put it right, never a traceback."""

from __future__ import annotations

import os

import pytest

from helpline.settings import Settings, SettingsError
from tests.helpline.test_cli import run


def test_a_bad_yes_no_setting_is_a_clear_message_not_a_traceback(tmp_path):
    with pytest.raises(SettingsError, match="HELPLINE_DEMO must be true or false"):
        Settings.from_environ({"HELPLINE_ENV": "development", "HELPLINE_DEMO": "yes"})
    for command in (("migrate",), ("keys", "init")):
        result = run(tmp_path, *command, check=False, HELPLINE_DEMO="yes")
        assert result.returncode == 1, result.stderr
        assert "HELPLINE_DEMO must be true or false (or 1 or 0), not 'yes'" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_keyring_readable_by_others_is_a_clear_message_from_every_command(
    tmp_path, monkeypatch
):
    import uvicorn
    from click.testing import CliRunner

    from helpline.cli import main

    keyring = tmp_path / "keyring.json"
    assert "keyring created" in run(tmp_path, "keys", "init").stdout
    keyring.chmod(0o644)
    for command in (("audit", "verify"), ("keys", "rotate"), ("keys", "resume-rotation")):
        result = run(tmp_path, *command, check=False)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "the keyring (HELPLINE_KEYRING_PATH) cannot be used" in result.stderr
        assert f"(mode 644); run: chmod 600 {keyring}" in result.stderr
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served with a bad keyring"))
    for name in [n for n in os.environ if n.startswith("HELPLINE_")]:
        monkeypatch.delenv(name)
    served = CliRunner().invoke(
        main, ["serve"], env={"HELPLINE_DATA_DIR": str(tmp_path), "HELPLINE_ENV": "development"}
    )
    assert served.exit_code == 1 and "chmod 600" in served.output
    keyring.write_text("not a keyring")
    keyring.chmod(0o600)
    malformed = run(tmp_path, "audit", "verify", check=False)
    assert malformed.returncode == 1 and "Traceback" not in malformed.stderr
    assert "the keyring file is malformed" in malformed.stderr
