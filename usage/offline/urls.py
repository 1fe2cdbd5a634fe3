"""The offline page's URLs, under /desk/ (usage/urls.py): the service worker
must be served from there to control the desk's pages."""

from django.urls import path

from usage.offline import views

urlpatterns = [
    path("offline/", views.offline_page, name="desk_offline"),
    path("offline/sync/", views.offline_sync, name="desk_offline_sync"),
    path("sw.js", views.service_worker, name="service_worker"),
]
