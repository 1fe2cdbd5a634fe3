from django.urls import path

from usage import desk_views, offline, uses, views
from usage.import_urls import urlpatterns as import_urlpatterns

app_name = "usage"
urlpatterns = [
    path("desk/", desk_views.desk_page, name="desk"),
    path("desk/check/", desk_views.desk_check, name="desk_check"),
    path("desk/card/", desk_views.desk_card, name="desk_card"),
    path("desk/record/", desk_views.desk_record, name="desk_record"),
    path("desk/uses/<int:pk>/undo/", desk_views.desk_undo, name="desk_undo"),
    # Recording while the network is down.
    path("desk/offline/", offline.offline_page, name="desk_offline"),
    path("desk/offline/sync/", offline.offline_sync, name="desk_offline_sync"),
    path("desk/sw.js", offline.service_worker, name="service_worker"),
    # The distributor's pages.
    path("distributor/<int:site_id>/cards/", views.cards, name="cards"),
    path("distributor/<int:site_id>/cards/new/", views.card_register, name="card_register"),
    path("distributor/<int:site_id>/cards/<int:pk>/", views.card_page, name="card"),
    path("distributor/<int:site_id>/cards/<int:pk>/renew/", views.card_renew, name="card_renew"),
    path("distributor/<int:site_id>/cards/<int:pk>/close/", views.card_close, name="card_close"),
    path(
        "distributor/<int:site_id>/cards/<int:pk>/background/",
        views.card_background,
        name="card_background",
    ),
    # The venue's record of uses, and voids.
    path("sites/<int:site_id>/uses/", uses.uses, name="uses"),
    path("sites/<int:site_id>/uses/<int:pk>/void/", uses.use_void, name="use_void"),
]
urlpatterns += import_urlpatterns
