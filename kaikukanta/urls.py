from django.urls import include, path

from kaikukanta import metrics, views
from kaikukanta.admin_site import admin_site

# Error pages in the app's layout and language (kaikukanta.errors).
handler400 = "kaikukanta.errors.bad_request"
handler403 = "kaikukanta.errors.permission_denied"
handler404 = "kaikukanta.errors.page_not_found"
handler500 = "kaikukanta.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("no-access/", views.no_access, name="no_access"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("text-size/", views.set_text_size, name="set_text_size"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("venues.account_urls")),
    path("admin/", admin_site.urls),
    path("api/", include("usage.api.urls")),
    path("", include("venues.urls")),
    path("", include("usage.urls")),
    path("", include("stats.urls")),
]
