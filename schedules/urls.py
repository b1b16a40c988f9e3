from django.urls import path

from . import views, views_feeds, views_public, views_sending

urlpatterns = [
    path("schedules/", views.schedule_week, name="schedule_week"),
    path("schedules/new/", views.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule_detail"),
    path("schedules/<int:pk>/entries/new/", views.entry_add, name="schedule_entry_add"),
    path("schedules/<int:pk>/entries/<int:entry_pk>/", views.entry_edit, name="schedule_entry_edit"),
    path("schedules/<int:pk>/entries/<int:entry_pk>/<str:action>/", views.entry_action, name="schedule_entry_action"),
    path("schedules/<int:pk>/do/<str:action>/", views.schedule_action, name="schedule_action"),
    path("schedules/recipients/", views_sending.schedule_recipients, name="schedule_recipients"),
    path("schedules/<int:pk>/v<int:number>/sendings/", views_sending.schedule_version_sendings,
         name="schedule_version_sendings"),
    path("schedules/sendings/<int:pk>/resend/", views_sending.schedule_sending_resend, name="schedule_sending_resend"),
    path("schedules/<int:pk>/v<int:number>.<str:ext>", views_sending.schedule_version_file,
         name="schedule_version_file"),
    path("schedules/received/<int:pk>.<str:ext>", views_sending.schedule_received_file, name="schedule_received_file"),
    path("calendar/feeds/", views_feeds.calendar_feeds, name="calendar_feeds"),
    path("calendar/<str:token>.ics", views_feeds.calendar_feed, name="calendar_feed"),
    path("agencies/<str:code>/schedule/", views_public.public_schedule, name="public_schedule"),
    path("agencies/<str:code>/schedule.ics", views_public.public_schedule_feed, name="public_schedule_feed"),
]
