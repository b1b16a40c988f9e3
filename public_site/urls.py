from django.urls import path

from . import views

urlpatterns = [
    path("lookup/", views.lookup, name="public_lookup"),
    path("lookup/d/<int:pk>/", views.reply, name="public_reply"),
    path("lookup/d/<int:pk>/files/<int:file_pk>/", views.reply_file, name="public_reply_file"),
    path("verify/", views.verify, name="public_verify"),
    path("v/<str:code>", views.outgoing_public, name="outgoing_public"),
]
