from django.urls import path

from . import views

urlpatterns = [
    path("outgoing/", views.outgoing_list, name="outgoing_list"),
    path("outgoing/new/", views.outgoing_create, name="outgoing_create"),
    path("outgoing/<int:pk>/", views.outgoing_detail, name="outgoing_detail"),
    path("outgoing/<int:pk>/edit/", views.outgoing_edit, name="outgoing_edit"),
    path("outgoing/<int:pk>/action/<str:action>/", views.outgoing_action, name="outgoing_action"),
    path("outgoing/<int:pk>/recipients/add/", views.recipient_add, name="recipient_add"),
    path("outgoing/<int:pk>/recipients/paste/", views.recipients_paste, name="recipients_paste"),
    path("outgoing/<int:pk>/recipients/map/", views.recipient_map, name="recipient_map"),
    path("outgoing/<int:pk>/recipients/<int:recipient_pk>/remove/", views.recipient_remove, name="recipient_remove"),
    path("outgoing/<int:pk>/deliveries/", views.deliveries_panel, name="deliveries_panel"),
    path("outgoing/<int:pk>/deliveries/<int:delivery_pk>/resend/", views.delivery_resend_view, name="delivery_resend"),
    path("outgoing/<int:pk>/files/<int:file_pk>/", views.outgoing_file, name="outgoing_file"),
    path("incoming/", views.incoming_list, name="incoming_list"),
    path("incoming/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path("incoming/<int:pk>/files/<int:file_pk>/", views.incoming_file, name="incoming_file"),
    path("registers/outgoing/", views.outgoing_register, name="outgoing_register"),
    path("v/<str:code>", views.outgoing_public, name="outgoing_public"),
]
