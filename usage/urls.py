from django.urls import path

from usage import views
from usage.import_urls import urlpatterns as import_urlpatterns

app_name = "usage"
urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("distributor/<int:site_id>/cards/", views.cards, name="cards"),
]
urlpatterns += import_urlpatterns
