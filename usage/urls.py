from django.urls import path

from usage import views

app_name = "usage"
urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("distributor/<int:site_id>/cards/", views.cards, name="cards"),
]
