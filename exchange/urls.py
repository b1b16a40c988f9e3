from django.urls import path

from . import views, views_packages

urlpatterns = [
    # Another installation of the portal posts its signed edXML envelopes here (docs/exchange.md).
    path("exchange/edxml/", views.edxml_receive, name="exchange_edxml_receive"),
    # A clerk's files: an issued document downloaded as an envelope, an envelope imported as an incoming one.
    path("outgoing/<int:pk>/edxml/", views_packages.outgoing_edxml, name="outgoing_edxml"),
    path("incoming/import-edxml/", views_packages.incoming_import_edxml, name="incoming_import_edxml"),
]
