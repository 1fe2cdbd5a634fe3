from django.urls import path

from usage import desk_views, views

app_name = "usage"
urlpatterns = [
    path("desk/", desk_views.desk_page, name="desk"),
    path("desk/card/", desk_views.desk_card, name="desk_card"),
    path("desk/record/", desk_views.desk_record, name="desk_record"),
    path("desk/uses/<int:pk>/undo/", desk_views.desk_undo, name="desk_undo"),
    path("distributor/<int:site_id>/cards/", views.cards, name="cards"),
]
