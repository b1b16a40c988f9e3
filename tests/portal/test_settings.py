"""Settings come from the environment in one place; production settings pass `check --deploy`."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
    "'email': s.EMAIL_BACKEND, 'broker': s.CELERY_BROKER_URL, 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE,"
    "'domains': s.OFFICIAL_EMAIL_DOMAINS, 'host': getattr(s, 'EMAIL_HOST', '')}))"
)


def run(args, env_overrides, tmp_path):
    dropped = {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)}, **env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_no_configuration_means_sqlite_in_process_tasks_and_eml_files(tmp_path):
    result = run(["-c", PROBE], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["db"] == "django.db.backends.sqlite3"
    assert conf["eager"] is True
    assert conf["email"] == "portal.mail.EmlFileBackend"
    assert conf["lang"] == "vi" and conf["tz"] == "Asia/Ho_Chi_Minh"
    assert conf["domains"] == ["gov.vn"]


def test_environment_switches_to_postgresql_redis_and_smtp(tmp_path):
    result = run(["-c", PROBE], {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "EMAIL_URL": "smtp://mail.example.gov.vn:2525",
        "OFFICIAL_EMAIL_DOMAINS": "gov.vn,chinhphu.vn",
    }, tmp_path)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["db"] == "django.db.backends.postgresql"
    assert conf["eager"] is False and conf["broker"] == "redis://127.0.0.1:6379/3"
    assert conf["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert conf["host"] == "mail.example.gov.vn"
    assert conf["domains"] == ["gov.vn", "chinhphu.vn"]


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], {
        "DEBUG": "0",
        "SECRET_KEY": "x7#kq!2vLp9@Zr4$Wm8^Nt1&Bc6*Hd3(Fy5)Gs0_Jx-Qe+Ua=Ko",
        "ALLOWED_HOSTS": "portal.example.gov.vn",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    }, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
