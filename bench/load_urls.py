"""The project's URLs plus two baselines for bench/recording.py, measured in
the same run, through the same middleware, on the same database connection
settings (never in production: only bench/load_settings.py names this module):

- /bench/floor/: POST, one INSERT of one row in a transaction: what any
  recording costs at the least;
- /bench/trivial/: GET, returns "ok" without touching the database."""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kaikukanta.urls import urlpatterns as project_urlpatterns

FLOOR_TABLE = "bench_floor"


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s)", [request.body[:200]])
    return HttpResponse("ok", status=201, content_type="text/plain")


@require_GET
def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/trivial/", trivial),
    *project_urlpatterns,
]
