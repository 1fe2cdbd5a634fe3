"""The offline table, the paper form and their import, in the `usage`
namespace (usage/urls.py)."""

from django.urls import path

from usage.sheets import views

urlpatterns = [
    path("sites/<int:site_id>/offline/", views.offline_sheets, name="offline_sheets"),
    path("sites/<int:site_id>/offline/table.xlsx", views.offline_table, name="offline_table"),
    path("sites/<int:site_id>/offline/form.pdf", views.offline_form, name="offline_form"),
    path("sites/<int:site_id>/imports/new/", views.import_upload, name="import_upload"),
    path("sites/<int:site_id>/imports/entry/", views.import_entry, name="import_entry"),
    path("imports/<int:pk>/", views.import_batch, name="import_batch"),
    path("imports/<int:pk>/columns/", views.import_columns, name="import_columns"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
]
