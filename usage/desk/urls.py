"""The desk's URLs, under /desk/ (usage/urls.py): in the `usage` namespace."""

from django.urls import path

from usage.desk import views

urlpatterns = [
    path("", views.desk_page, name="desk"),
    path("check/", views.desk_check, name="desk_check"),
    path("card/", views.desk_card, name="desk_card"),
    path("record/", views.desk_record, name="desk_record"),
    path("uses/<int:pk>/undo/", views.desk_undo, name="desk_undo"),
]
