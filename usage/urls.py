"""The `usage` namespace: the card register (distributors), a venue's uses,
and each channel's pages from its own package."""

from django.urls import include, path

from usage import uses, views

app_name = "usage"
urlpatterns = [
    path("desk/", include("usage.desk.urls")),
    # Recording while the network is down.
    path("desk/", include("usage.offline.urls")),
    # The offline table, the paper form and the import of both.
    path("", include("usage.sheets.urls")),
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
