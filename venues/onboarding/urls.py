from django.urls import path

from venues.onboarding import views

# Included in venues.urls (namespace "venues").
urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/confirm/", views.onboarding_confirm, name="onboarding_confirm"),
    path("onboarding/material/", views.material_list, name="onboarding_material"),
    path("onboarding/material/new/", views.item_create, name="onboarding_item_create"),
    path("onboarding/material/<int:pk>/", views.item_edit, name="onboarding_item_edit"),
    path(
        "onboarding/material/<int:pk>/withdraw/",
        views.item_withdraw,
        name="onboarding_item_withdraw",
    ),
    path(
        "onboarding/material/<int:pk>/corrections/new/",
        views.correction_create,
        name="onboarding_correction_create",
    ),
    path(
        "onboarding/corrections/<int:pk>/withdraw/",
        views.notice_withdraw,
        name="onboarding_notice_withdraw",
    ),
    path("onboarding/files/<int:pk>/", views.file_download, name="onboarding_file"),
    path("sites/<int:pk>/help/", views.site_help, name="site_help"),
]
