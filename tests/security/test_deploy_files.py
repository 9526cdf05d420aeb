"""The units and the compose file of docs/deploy.md are valid: ``systemd-analyze verify`` on
each unit and ``docker compose config`` on the compose file, where those tools are installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
BLOCK = re.compile(r"```(?:ini|yaml)\n# file: (?P<name>\S+)\n(?P<body>.*?)```", re.S)


def _files() -> dict[str, str]:
    return {m["name"]: m["body"] for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


def test_the_guide_ships_every_unit_and_a_compose_file_with_restart_policies() -> None:
    files = _files()
    assert set(files) == {"dsr-web.service", "dsr-worker@.service", "dsr-scheduler.service",
                          "compose.yaml"}
    for name, body in files.items():
        if name.endswith(".service"):
            assert "Restart=always" in body, name
    compose = files["compose.yaml"]
    for service in ("db", "redis", "web", "worker", "scheduler"):
        assert re.search(rf"^  {service}:$", compose, re.M), service
    assert compose.count("restart: unless-stopped") >= 3


def test_systemd_units_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    venv = Path(sys.prefix)
    if not (venv / "bin" / "gunicorn").exists():
        pytest.skip("gunicorn is not installed in this environment (pip install '.[deploy]')")
    units = []
    for name, body in _files().items():
        if name.endswith(".service"):
            # The guide's paths, pointed at this environment so that ExecStart= exists.
            unit = tmp_path / name.replace("@.", "@1.")
            unit.write_text(body.replace("/opt/dsr/venv", str(venv)))
            units.append(str(unit))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "dsr-" in line and "Unknown user" not in line]  # no dsr user here
    assert result.returncode == 0 or not problems, result.stdout + result.stderr
    assert not problems, problems


def _compose_command() -> list[str] | None:
    """``docker compose`` (the plugin) or ``docker-compose``, by absolute path (the test runs
    it with a PATH of its own), or None when neither is installed."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"],
                                 capture_output=True).returncode == 0:
        return [docker, "compose"]
    compose = shutil.which("docker-compose")
    return [compose] if compose else None


def test_compose_file_is_valid(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    (tmp_path / "compose.yaml").write_text(_files()["compose.yaml"])
    (tmp_path / "config.toml").write_text("")
    # Nothing of this environment (no DSR_* variable) reaches the check; the tool's own
    # folder stays on PATH wherever it is installed.
    path = os.pathsep.join(dict.fromkeys([str(Path(command[0]).parent), "/usr/bin", "/bin",
                                          "/usr/local/bin"]))
    env = {"PATH": path, "HOME": str(tmp_path), "DSR_DB_PASSWORD": "x", "DSR_SECRET_KEY": "y"}
    try:
        result = subprocess.run([*command, "-f", str(tmp_path / "compose.yaml"), "config"],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                env=env)
    except OSError as exc:  # installed but not runnable here (e.g. a broken interpreter line)
        pytest.skip(f"{command[0]} cannot be run: {exc}")
    assert result.returncode == 0, result.stderr
    assert "restart: unless-stopped" in result.stdout
