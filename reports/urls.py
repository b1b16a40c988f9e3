from django.urls import path

from . import views

urlpatterns = [
    path("reports/traffic/", views.traffic_log, name="traffic_log"),
    path("reports/incidents/", views.incident_list, name="incident_list"),
    path("reports/incidents/<int:pk>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("reports/usage/", views.usage_report, name="usage_report"),
]
