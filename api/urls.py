"""Included under /api/: the REST API (v1), its OpenAPI schema and docs, and the agency admin's tokens page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, views_tokens

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("v1/outgoing/", views.OutgoingList.as_view(), name="api_outgoing_list"),
    path("v1/outgoing/<int:pk>/", views.OutgoingDetail.as_view(), name="api_outgoing_detail"),
    path("v1/outgoing/<int:pk>/deliveries/", views.OutgoingDeliveries.as_view(), name="api_outgoing_deliveries"),
    path("v1/outgoing/<int:pk>/files/<int:file_id>/", views.OutgoingFileContent.as_view(), name="api_outgoing_file"),
    path("v1/incoming/", views.IncomingList.as_view(), name="api_incoming_list"),
    path("v1/incoming/paper/", views.IncomingPaper.as_view(), name="api_incoming_paper"),
    path("v1/incoming/<int:pk>/", views.IncomingDetail.as_view(), name="api_incoming_detail"),
    path("v1/incoming/<int:pk>/files/<int:file_id>/", views.IncomingFileContent.as_view(), name="api_incoming_file"),
    path("v1/incoming/<int:pk>/register/", views.IncomingRegister.as_view(), name="api_incoming_register"),
    path("v1/directory/", views.Directory.as_view(), name="api_directory"),
    # Anything else under v1/ (an id that is not a number…) is the API's own JSON 404, not the portal's page.
    re_path(r"^v1/", views.not_found),
    path("tokens/", views_tokens.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.api_token_revoke, name="api_token_revoke"),
]
