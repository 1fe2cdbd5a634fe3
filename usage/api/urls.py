from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from usage.api import views

app_name = "api"


class SwaggerDocs(SpectacularSwaggerSplitView):
    # Our copy of the page: no inline <style>, so the Content-Security-Policy holds.
    template_name = "api/swagger_ui.html"


urlpatterns = [
    # Paths exactly as API.md writes them (no trailing slash).
    path("v1/sites", views.SiteList.as_view(), name="sites"),
    path("v1/sites/<int:site_id>/offerings", views.OfferingList.as_view(), name="offerings"),
    path("v1/cards/<str:card_id>", views.CardDetail.as_view(), name="card"),
    path("v1/redemptions", views.RedemptionList.as_view(), name="redemptions"),
    path("v1/redemptions/<int:pk>/void", views.RedemptionVoid.as_view(), name="redemption_void"),
    path("v1/problems/<str:code>", views.ProblemTypeDetail.as_view(), name="problem"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", SwaggerDocs.as_view(url_name="api:schema"), name="docs"),
    # [\s\S], not ".": a path with a newline in it is still the API's (problem JSON).
    re_path(r"^[\s\S]*$", views.NotFound.as_view(), name="not_found"),
]
