from django.urls import path

from . import views

urlpatterns = [
    # Another installation of the portal posts its signed edXML envelopes here (docs/exchange.md).
    path("exchange/edxml/", views.edxml_receive, name="exchange_edxml_receive"),
]
