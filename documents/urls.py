from django.urls import path

from .views import dashboard, incoming, outgoing, registers

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("outgoing/", outgoing.outgoing_list, name="outgoing_list"),
    path("outgoing/new/", outgoing.outgoing_create, name="outgoing_create"),
    path("outgoing/<int:pk>/", outgoing.outgoing_detail, name="outgoing_detail"),
    path("outgoing/<int:pk>/edit/", outgoing.outgoing_edit, name="outgoing_edit"),
    path("outgoing/<int:pk>/action/<str:action>/", outgoing.outgoing_action, name="outgoing_action"),
    path("outgoing/<int:pk>/recipients/add/", outgoing.recipient_add, name="recipient_add"),
    path("outgoing/<int:pk>/recipients/paste/", outgoing.recipients_paste, name="recipients_paste"),
    path("outgoing/<int:pk>/recipients/map/", outgoing.recipient_map, name="recipient_map"),
    path("outgoing/<int:pk>/recipients/<int:recipient_pk>/remove/", outgoing.recipient_remove,
         name="recipient_remove"),
    path("outgoing/<int:pk>/deliveries/", outgoing.deliveries_panel, name="deliveries_panel"),
    path("outgoing/<int:pk>/deliveries/<int:delivery_pk>/resend/", outgoing.delivery_resend_view,
         name="delivery_resend"),
    path("outgoing/<int:pk>/deliveries/resend-failed/", outgoing.deliveries_resend_failed_view,
         name="deliveries_resend_failed"),
    path("outgoing/<int:pk>/files/<int:file_pk>/", outgoing.outgoing_file, name="outgoing_file"),
    path("incoming/", incoming.incoming_list, name="incoming_list"),
    path("incoming/paper/new/", incoming.incoming_paper, name="incoming_paper"),
    path("incoming/mailbox/<int:message_pk>/register/", incoming.incoming_from_email, name="incoming_from_email"),
    path("incoming/<int:pk>/", incoming.incoming_detail, name="incoming_detail"),
    path("incoming/<int:pk>/register/", incoming.incoming_register, name="incoming_register"),
    path("incoming/<int:pk>/route/", incoming.incoming_route, name="incoming_route"),
    path("incoming/<int:pk>/action/<str:action>/", incoming.incoming_action, name="incoming_action"),
    path("incoming/<int:pk>/files/<int:file_pk>/", incoming.incoming_file, name="incoming_file"),
    path("registers/outgoing/", registers.outgoing_register, name="outgoing_register"),
    path("registers/incoming/", registers.incoming_register, name="incoming_register_book"),
]
