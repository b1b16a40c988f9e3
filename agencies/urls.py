from django.urls import path

from . import views

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/export.csv", views.directory_export_csv, name="directory_export_csv"),
    path("directory/export.vcf", views.directory_export_vcf, name="directory_export_vcf"),
    path("manage/agency/", views.agency_profile, name="agency_profile"),
    path("manage/mail-trust/", views.mail_trust, name="mail_trust"),
    path("manage/units/", views.unit_list, name="unit_list"),
    path("manage/units/new/", views.unit_edit, name="unit_create"),
    path("manage/units/<int:pk>/", views.unit_edit, name="unit_edit"),
    path("manage/groups/", views.group_list, name="group_list"),
    path("manage/groups/new/", views.group_edit, name="group_create"),
    path("manage/groups/<int:pk>/", views.group_edit, name="group_edit"),
]
