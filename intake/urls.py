from django.urls import path

from . import views, views_checks

urlpatterns = [
    path("manage/mailbox/", views.mailbox_settings, name="mailbox_settings"),
    path("incoming/mailbox/", views.inbound_list, name="inbound_list"),
    path("incoming/mailbox/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("incoming/mailbox/<int:pk>/status/", views.inbound_mark, name="inbound_mark"),
    path("incoming/mailbox/<int:pk>/attachments/<int:attachment_pk>/", views.inbound_attachment_download,
         name="inbound_attachment"),
    path("manage/mailbox/checks/", views_checks.check_rule_settings, name="mailbox_check_rule"),
    path("incoming/mailbox/<int:pk>/question/", views_checks.inbound_mark_question, name="inbound_mark_question"),
    path("incoming/questions/", views_checks.question_list, name="question_list"),
    path("incoming/questions/<int:pk>/", views_checks.question_detail, name="question_detail"),
]
