from django.urls import path

from venues import audit_views, views

app_name = "venues"
urlpatterns = [
    path("national/", views.national, name="national"),
    path("areas/<int:pk>/", views.area_page, name="area"),
    path("areas/<int:pk>/audit/", audit_views.area_audit, name="area_audit"),
    path("sites/<int:pk>/", views.site_page, name="site"),
    path("sites/<int:pk>/checklist/", views.checklist_edit, name="checklist_edit"),
    path("sites/<int:pk>/audit/", audit_views.site_audit, name="site_audit"),
    path("people/invite/", views.invite, name="invite"),
    path("people/memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
]
