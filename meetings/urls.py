from django.urls import path, re_path

from .views import answer, changes, conclusion, meeting, papers

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
    path("meetings/<int:pk>/papers/add/", papers.paper_add, name="meeting_paper_add"),
    path("meetings/<int:pk>/papers/<int:paper_pk>/versions/add/", papers.paper_version_add,
         name="meeting_paper_version_add"),
    path("meetings/<int:pk>/papers/<int:version_pk>/", papers.paper_open, name="meeting_paper"),
    path("m/<str:token>/papers/<int:version_pk>/", papers.paper_open_link, name="meeting_paper_link"),
    re_path(r"^meetings/(?P<pk>[0-9]+)/changes/(?P<action>postpone|move|update|cancel)/$", changes.meeting_change,
            name="meeting_change"),
    path("meetings/<int:pk>/answer-reminders/", changes.answer_reminders, name="meeting_answer_reminders"),
    path("meetings/<int:pk>/conclusion/", conclusion.meeting_conclusion, name="meeting_conclusion"),
]
