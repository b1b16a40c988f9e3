from django.urls import path, re_path

from .views import answer, meeting

urlpatterns = [
    path("meetings/", meeting.meeting_list, name="meeting_list"),
    path("meetings/invitations/", meeting.meeting_invitations, name="meeting_invitations"),
    path("meetings/invitations/<int:pk>/", meeting.meeting_invitation, name="meeting_invitation"),
    path("meetings/for/<int:outgoing_pk>/", meeting.meeting_details, name="meeting_details"),
    path("meetings/<int:pk>/", meeting.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/attendance/", meeting.meeting_attendance, name="meeting_attendance"),
    re_path(r"^meetings/(?P<pk>[0-9]+)/attendance\.(?P<fmt>xlsx|pdf)$", meeting.meeting_attendance_export,
            name="meeting_attendance_export"),
    path("m/<str:token>/", answer.meeting_answer_link, name="meeting_answer_link"),
]
