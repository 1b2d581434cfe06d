from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere

from . import dashboard


@login_required
def home(request):
    user = request.user
    context = {"posts": dashboard.my_posts(user), "person": user.person if user.person_id else None,
               "upcoming": dashboard.upcoming_meetings(user)}
    if has_perm_anywhere(user, perms.PEOPLE_READ):
        roots = dashboard.scope_roots(user)
        context.update(
            manager=True,
            roots=roots,
            figures=dashboard.people_figures(user),
            transfers=dashboard.transfer_figures(user),
            warnings=dashboard.warning_figures(user, roots),
            meetings=dashboard.meeting_figures(user, roots),
            fee_todo=dashboard.fee_todo(user),
        )
    else:
        context["exams"] = dashboard.my_exams(user)  # a member's page; managers find theirs under Learning
    return render(request, "core/home.html", context)


def healthz(request):
    from django.db import connection

    connection.ensure_connection()
    return JsonResponse({"status": "ok"})
