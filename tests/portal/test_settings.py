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
    "'email': s.DKIM_INNER_EMAIL_BACKEND, 'dkim': s.EMAIL_BACKEND, 'broker': s.CELERY_BROKER_URL, 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE,"
    "'domains': s.OFFICIAL_EMAIL_DOMAINS, 'host': getattr(s, 'EMAIL_HOST', '')}))"
)


def run(args, env_overrides, tmp_path):
    dropped = {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)}, **env_overrides)
    env = {k: v for k, v in env.items() if v is not None}  # None drops a variable the suite sets
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_no_configuration_means_sqlite_in_process_tasks_and_eml_files(tmp_path):
    result = run(["-c", PROBE], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["db"] == "django.db.backends.sqlite3"
    assert conf["eager"] is True
    assert conf["email"] == "core.mail.EmlFileBackend"
    assert conf["dkim"] == "agencies.mail_auth.DkimEmailBackend"  # wrapping it: every message DKIM-signed
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
        "DEBUG": "0", "FIELD_ENCRYPTION_KEY": "ylFy7ptmJT4LrzMzvA7SU2rh9WX04f63vyZGRqq6YoM=",
        "SECRET_KEY": "x7#kq!2vLp9@Zr4$Wm8^Nt1&Bc6*Hd3(Fy5)Gs0_Jx-Qe+Ua=Ko",
        "ALLOWED_HOSTS": "portal.example.gov.vn",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    }, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#kq!2vLp9@Zr4$Wm8^Nt1&Bc6*Hd3(Fy5)Gs0_Jx-Qe+Ua=Ko",
    "FIELD_ENCRYPTION_KEY": "ylFy7ptmJT4LrzMzvA7SU2rh9WX04f63vyZGRqq6YoM=",
}
SECURITY_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
    "print(json.dumps({'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), 'age': d['CONN_MAX_AGE'],"
    "'health': d['CONN_HEALTH_CHECKS'], 'pool': d.get('OPTIONS', {}).get('pool')}))"
)


def test_production_refuses_to_start_without_its_own_secret_key(tmp_path):
    for secret in (None, "django-insecure-dev-only-key-do-not-use-in-production-5f1c9b"):
        result = run(["-c", "import django; django.setup()"], {**PRODUCTION, "SECRET_KEY": secret}, tmp_path)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is not set" in result.stderr


def test_development_tools_load_only_with_debug_on(tmp_path):
    probe = "import django; django.setup(); from django.apps import apps; print(apps.is_installed('devtools'))"
    production = run(["-c", probe], PRODUCTION, tmp_path)
    assert production.returncode == 0, production.stderr
    assert production.stdout.strip() == "False"
    development = run(["-c", probe], {"DEBUG": "1", "SECRET_KEY": None, "FIELD_ENCRYPTION_KEY": None}, tmp_path)
    assert development.stdout.strip() == "True", development.stderr
    assert "seed_demo" not in run(["manage.py", "help"], PRODUCTION, tmp_path).stdout


def test_production_refuses_to_start_without_a_separate_field_encryption_key(tmp_path):
    result = run(["-c", "import django; django.setup()"], {**PRODUCTION, "FIELD_ENCRYPTION_KEY": None}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "FIELD_ENCRYPTION_KEY is not set" in result.stderr


def test_development_still_starts_on_embedded_keys(tmp_path):
    probe = "import django; django.setup(); from core.crypto import encrypt, decrypt; print(decrypt(encrypt(b'ok')))"
    result = run(["-c", probe], {"DEBUG": "1", "SECRET_KEY": None, "FIELD_ENCRYPTION_KEY": None}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "b'ok'"


def test_forwarded_proto_is_trusted_only_when_configured(tmp_path):
    def proxy(**extra):
        result = run(["-c", SECURITY_PROBE], {**PRODUCTION, **extra}, tmp_path)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["proxy"]

    assert proxy() is None
    assert proxy(TRUST_X_FORWARDED_PROTO="1") == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxy(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO") == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_postgresql_connections_kept_by_production_threads_closed_in_development_or_pooled(tmp_path):
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal"}
    result = run(["-c", SECURITY_PROBE], {**PRODUCTION, **database}, tmp_path)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["age"] == 60 and conf["health"] is True and conf["pool"] is None
    result = run(["-c", SECURITY_PROBE], {**PRODUCTION, **database, "DB_CONN_MAX_AGE": "0"}, tmp_path)
    assert json.loads(result.stdout)["age"] == 0
    result = run(["-c", SECURITY_PROBE], {"DEBUG": "1", "SECRET_KEY": None, "FIELD_ENCRYPTION_KEY": None, **database},
                 tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["age"] == 0
    result = run(["-c", SECURITY_PROBE], {**PRODUCTION, **database, "DB_POOL_MAX_SIZE": "4"}, tmp_path)
    conf = json.loads(result.stdout)
    assert conf["age"] == 0 and conf["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10}


def test_the_psycopg_pool_serves_queries_when_configured(tmp_path):
    probe = (
        "import django; django.setup(); from django.db import connection;"
        "connection.ensure_connection(); print(type(connection.pool).__name__);"
        "c = connection.cursor(); c.execute('SELECT 1'); print(c.fetchone()[0])"
    )
    result = run(["-c", probe], {
        **PRODUCTION, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres", "DB_POOL_MAX_SIZE": "2",
    }, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "1"]


def test_the_portal_s_connections_run_without_jit_or_parallel_workers_unless_asked(tmp_path):
    """A page's query runs in milliseconds: compiling it (JIT) or starting parallel workers for it costs more than it
    saves (bench/README "Pages"); a reports worker may ask for parallel workers."""
    probe = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor();"
        "c.execute('SHOW jit'); print(c.fetchone()[0]);"
        "c.execute('SHOW max_parallel_workers_per_gather'); print(c.fetchone()[0])"
    )
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}
    result = run(["-c", probe], {**PRODUCTION, **database}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["off", "0"]
    result = run(["-c", probe], {**PRODUCTION, **database, "DB_PARALLEL_WORKERS": "2", "DB_JIT": "1"}, tmp_path)
    assert result.stdout.split() == ["on", "2"]
