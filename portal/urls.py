from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("agencies.urls")),
    path("", include("pki.urls")),
    path("", include("documents.urls")),
    path("", include("reports.urls")),
    path("", include("intake.urls")),
    path("", include("public_site.urls")),
]
