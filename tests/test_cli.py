"""The `citybot` command line delegates `nlu ...` to the NLU tools and explains its commands."""

from __future__ import annotations

import json
import subprocess
import sys


def citybot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120)


def test_nlu_parse_through_citybot(nlu_model_path):
    result = citybot(
        "nlu",
        "parse",
        "umów mnie jutro o 10 na dowód",
        "--model",
        str(nlu_model_path),
        "--now",
        "2026-11-29T10:00",
    )
    assert result.returncode == 0, result.stderr
    parse = json.loads(result.stdout)
    assert parse["intent"]["name"] == "book_appointment" and parse["language"] == "pl"
    assert {e["entity"]: e["value"] for e in parse["entities"]} == {
        "date": "2026-11-30",
        "time": "10:00",
        "service": "id_card_application",
    }


def test_nlu_errors_are_one_line():
    result = citybot(
        "nlu", "evaluate", "--model", "/no/such/model.npz", "--data", "/no/such.yml", "--out", "/tmp/x"
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_help_lists_every_command():
    result = citybot("--help")
    for command in ("run", "shell", "migrate", "web", "nlu", "report-status", "initiative-approve"):
        assert command in result.stdout
