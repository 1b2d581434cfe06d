from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "core/home.html", {})


def healthz(request):
    from django.db import connection

    connection.ensure_connection()
    return JsonResponse({"status": "ok"})
