"""SQLite (make run) searches the same folded words without PostgreSQL's index: same results, same order."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.search import corpus

pytestmark = pytest.mark.django_db
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = """
import json, sys
from tests.search import corpus
from django.db import transaction
with transaction.atomic():
    found = corpus.results()
    transaction.set_rollback(True)
sys.stdout.write("RESULTS" + json.dumps(found))
"""


def test_sqlite_finds_what_postgresql_finds(sqlite_env):
    assert connection.vendor == "postgresql"
    expected = json.loads(json.dumps(corpus.results()))
    assert expected["15 qđ bnv"][0][0] == "15/QĐ-BNV" and not expected["tai thien"][0][0].startswith("15")
    manage = [sys.executable, os.path.join(ROOT, "manage.py")]
    shell = subprocess.run([*manage, "shell", "-c", SCRIPT], cwd=ROOT, env=sqlite_env, check=True, timeout=300,
                           capture_output=True, text=True)
    assert json.loads(shell.stdout.split("RESULTS", 1)[1]) == expected
