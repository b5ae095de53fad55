from django.urls import path

from tsunagu.network import views

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/acknowledge/", views.meeting_acknowledge, name="meeting_acknowledge"),
    # Meetings of the network other than 支援会議: huddles to the review committee.
    path("network/", views.network_meeting_list, name="network_meeting_list"),
    path("network/<int:pk>/", views.network_meeting_detail, name="network_meeting_detail"),
    path("network/<int:pk>/minutes.pdf", views.network_meeting_pdf, name="network_meeting_pdf"),
    path("network/<int:pk>/actions/", views.action_item_add, name="action_item_add"),
    path("network/<int:pk>/change/", views.network_meeting_change, name="network_meeting_change"),
    path("series/", views.series_list, name="network_series_list"),
    path("series/<int:pk>/", views.series_edit, name="network_series_edit"),
    path("mail-server/", views.mail_server_edit, name="mail_server_edit"),
    path("mail-server/test/", views.mail_server_test, name="mail_server_test"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("actions/<int:pk>/done/", views.action_item_done, name="action_item_done"),
]
