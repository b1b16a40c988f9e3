from django.urls import path

from . import views

urlpatterns = [
    path("manage/mailbox/", views.mailbox_settings, name="mailbox_settings"),
    path("incoming/mailbox/", views.inbound_list, name="inbound_list"),
    path("incoming/mailbox/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("incoming/mailbox/<int:pk>/status/", views.inbound_mark, name="inbound_mark"),
    path("incoming/mailbox/<int:pk>/attachments/<int:attachment_pk>/", views.inbound_attachment_download,
         name="inbound_attachment"),
]
