from django.urls import path

from . import views

urlpatterns = [
    path("archive/batches/", views.batch_list, name="archive_batches"),
    path("archive/batches/<int:pk>/", views.batch_detail, name="archive_batch"),
    path("archive/batches/<int:pk>/progress/", views.batch_progress, name="archive_batch_progress"),
    path("archive/documents/", views.archived_list, name="archived_list"),
    path("archive/documents/<int:pk>/", views.archived_detail, name="archived_document"),
    path("archive/documents/<int:pk>/scan/", views.archived_scan, name="archived_scan"),
]
