"""Baseline views for bench/: mounted only when OTKLIK_BENCH_VIEWS=1.

A bare Django view on the same server, through the same middleware, is the
yardstick the answer endpoint is measured against.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
