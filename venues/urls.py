from django.urls import path

from venues import audit_views, offerings, views
from venues.onboarding.urls import urlpatterns as onboarding_urlpatterns

app_name = "venues"
urlpatterns = [
    path("national/", views.national, name="national"),
    path("areas/<int:pk>/", views.area_page, name="area"),
    path("areas/<int:pk>/audit/", audit_views.area_audit, name="area_audit"),
    path("sites/<int:pk>/", views.site_page, name="site"),
    path("sites/<int:pk>/checklist/", views.checklist_edit, name="checklist_edit"),
    path("sites/<int:pk>/audit/", audit_views.site_audit, name="site_audit"),
    path("sites/<int:pk>/offerings/", offerings.offerings, name="offerings"),
    path(
        "sites/<int:pk>/offerings/new/<slug:kind>/",
        offerings.offering_create,
        name="offering_create",
    ),
    path(
        "sites/<int:pk>/offerings/<int:offering_id>/",
        offerings.offering_edit,
        name="offering_edit",
    ),
    # Public, without login: what a venue offers for Kaikukortti and what it excludes.
    path("kaikukortti/sites/<int:pk>/", offerings.public_site, name="public_site"),
    path("people/invite/", views.invite, name="invite"),
    path("people/memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
]
urlpatterns += onboarding_urlpatterns
