"""Logging in through allauth, resetting a forgotten password, and sessions that end."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def allauth_login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password}, follow=True)


def test_staff_member_logs_in_with_email_and_password_and_lands_on_the_dashboard(client, leader):
    response = allauth_login(client, leader.user.email, PASSWORD)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.wsgi_request.user == leader.user
    assert "Bộ Nội vụ" in response.content.decode()


def test_login_with_the_login_address_in_other_case_works(client, leader):
    response = allauth_login(client, leader.user.email.upper(), PASSWORD)
    assert response.wsgi_request.user == leader.user


def test_wrong_password_is_refused(client, leader):
    response = allauth_login(client, leader.user.email, "not-the-password")
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "không chính xác" in response.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_password_reset_mail_lets_the_user_set_a_new_password_and_log_in_with_it(client, specialist, link_in):
    email = specialist.user.email
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]

    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "Mật-khẩu-mới-2026!"
    response = client.post(set_password_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    client.logout()
    assert not allauth_login(client, email, PASSWORD).wsgi_request.user.is_authenticated
    response = allauth_login(client, email, new_password)
    assert response.wsgi_request.user == specialist.user
    assert response.redirect_chain[-1][0] == "/dashboard/"


def test_password_reset_link_works_only_once(client, specialist, link_in):
    client.post("/accounts/password/reset/", {"email": specialist.user.email})
    link = link_in(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"password1": "Mật-khẩu-mới-2026!", "password2": "Mật-khẩu-mới-2026!"})

    again = client.get(link, follow=True)
    assert again.context["token_fail"] is True
    assert "Liên kết đặt lại mật khẩu không hợp lệ" in again.content.decode()


def test_sessions_end_at_browser_close_and_after_session_idle_minutes(tmp_path):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # each request pushes the idle deadline back
    probe = "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_COOKIE_AGE)"
    env = {k: v for k, v in os.environ.items() if k not in {"SESSION_IDLE_MINUTES", "DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings", PORTAL_VAR_DIR=str(tmp_path))
    ages = [
        subprocess.run([sys.executable, "-c", probe], env={**env, **extra}, cwd=ROOT, capture_output=True,
                       text=True, check=True).stdout.strip()
        for extra in ({}, {"SESSION_IDLE_MINUTES": "15"})
    ]
    assert ages == [str(120 * 60), str(15 * 60)]


def test_session_cookie_has_no_lifetime_so_the_browser_drops_it_on_close(client, leader):
    response = client.post("/accounts/login/", {"login": leader.user.email, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"] and not cookie["expires"]


def test_session_idle_longer_than_the_cookie_age_is_no_longer_logged_in(client, leader):
    allauth_login(client, leader.user.email, PASSWORD)
    assert client.get("/dashboard/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    session.expire_date = timezone.now() - timedelta(seconds=1)
    session.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_each_request_pushes_the_idle_deadline_back(client, leader):
    allauth_login(client, leader.user.email, PASSWORD)
    session = Session.objects.get(session_key=client.session.session_key)
    session.expire_date = timezone.now() + timedelta(minutes=1)
    session.save()
    assert client.get("/dashboard/").status_code == 200
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
