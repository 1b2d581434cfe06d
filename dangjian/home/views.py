from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from dangjian.accounts.models import Post
from dangjian.core.modules import modules


def my_posts(user, on=None):
    if not user.person_id:
        return []
    return list(Post.objects.active(on or timezone.localdate()).filter(person_id=user.person_id)
                .select_related("org").order_by("org__path"))


@login_required
def home(request):
    """The home page: a greeting, then the to-dos and cards every module contributes for this user."""
    user = request.user
    cards = sorted((c for m in modules() for c in m.home_cards(request)), key=lambda c: (c.order, c.key))
    todos = sorted((t for m in modules() for t in m.todos(request) if t.count),
                   key=lambda t: ({"danger": 0, "warning": 1}.get(t.severity, 2), t.order, t.key))
    scripts = list(dict.fromkeys(s for c in cards for s in c.scripts))
    context = {"posts": my_posts(user), "person": user.person if user.person_id else None,
               "cards": cards, "todos": todos, "scripts": scripts}
    return render(request, "home/home.html", context)


def healthz(request):
    from django.db import connection

    connection.ensure_connection()
    return JsonResponse({"status": "ok"})
