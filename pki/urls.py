from django.urls import path

from . import views

urlpatterns = [
    path("manage/certificate/", views.certificate_manage, name="certificate_manage"),
    path("manage/certificate/<int:pk>/certificate.pem", views.certificate_download, name="certificate_download"),
]
