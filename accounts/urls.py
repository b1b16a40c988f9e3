from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.citizen_home, name="citizen_home"),
    path("membership/switch/", views.membership_switch, name="membership_switch"),
    path("manage/staff/", views.staff_list, name="staff_list"),
    path("manage/staff/invite/", views.staff_invite, name="staff_invite"),
    path("manage/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("manage/staff/<int:pk>/resend/", views.staff_resend_invitation, name="staff_resend_invitation"),
    path("accounts/invitation/<uidb64>/<token>/", views.invitation_accept, name="invitation_accept"),
]
