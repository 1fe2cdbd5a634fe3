"""Public national figures (no login). The reports live under /admin/ (stats.views.report_urls)."""

from django.urls import path

from stats import views

app_name = "stats"
urlpatterns = [
    path("statistics/", views.public_page, name="public"),
    path("statistics/figures.json", views.public_json, name="public_json"),
    path("statistics/figures.csv", views.public_csv, name="public_csv"),
]
