from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Before allauth's own: the same TOTP set-up, returning to the page that asked for it.
    path("accounts/2fa/totp/activate/", account_views.totp_activate),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("agencies.urls")),
    path("", include("pki.urls")),
    path("", include("documents.urls")),
    path("", include("exchange.urls")),
    path("", include("schedules.urls")),
    path("", include("meetings.urls")),
    path("", include("reports.urls")),
    path("", include("intake.urls")),
    path("", include("public_site.urls")),
    path("", include("archive.urls")),
    path("", include("search.urls")),
    path("api/", include("api.urls")),
]
