"""Pages for posts (职务): the posts of an organisation, appointing, ending a term. Thin callers of
accounts.services; reads through accounts.scoping (outsiders get 404)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.orgs.forms import DATE, StyledForm, add_domain_error
from dangjian.orgs.models import Organization
from dangjian.people.models import Person
from dangjian.people.queries import name_contains_q

from . import rules as perms
from . import services
from .models import Post, Role
from .scoping import get_scoped_or_404, has_perm

CANDIDATE_LIMIT = 200


class AppointForm(StyledForm):
    person = forms.IntegerField(label=gettext_lazy("Person"), widget=forms.Select)
    role = forms.ChoiceField(label=gettext_lazy("Post"), choices=())
    start_date = forms.DateField(label=gettext_lazy("Term starts"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("Term ends"), required=False, widget=DATE,
                               help_text=gettext_lazy("Leave empty for an open term."))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, org=None, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in services.roles_for(org.org_type)]
        self.fields["person"].widget.choices = [("", "---------")] + [
            (p.pk, f"{p.name} · {p.get_political_status_display()}") for p in candidates]

    def clean_person(self):
        try:
            return Person.objects.get(pk=self.cleaned_data["person"])
        except Person.DoesNotExist:
            raise ValidationError(_("Choose a member from the list."))


class EndForm(StyledForm):
    end_date = forms.DateField(label=gettext_lazy("Term ends"), widget=DATE)


@login_required
def org_posts(request, pk):
    org = get_scoped_or_404(Organization.objects.all(), request.user, perms.ORGS_READ, pk=pk)
    today = timezone.localdate()
    posts = list(Post.objects.filter(org=org).select_related("person").order_by("role", "-start_date", "-id"))
    order = {r: i for i, r in enumerate(Role.values)}
    current = sorted((p for p in posts if p.end_date is None or p.end_date >= today),
                     key=lambda p: (order.get(p.role, 99), p.start_date))
    past = sorted((p for p in posts if p.end_date is not None and p.end_date < today),
                  key=lambda p: p.end_date, reverse=True)
    return render(request, "accounts/posts.html", {
        "org": org, "current": current, "past": past, "today": today,
        "can_manage": org.is_active and has_perm(request.user, perms.POSTS_MANAGE, org),
        "can_audit": has_perm(request.user, perms.AUDIT_READ, org),
    })


@login_required
def appoint(request, pk):
    org = get_scoped_or_404(Organization.objects.all(), request.user, perms.POSTS_MANAGE, pk=pk)
    if not org.is_active:
        from django.http import Http404

        raise Http404
    q = (request.GET.get("q") or "").strip()
    people = services.eligible_people(org).order_by("name", "id")
    if q:
        people = people.filter(name_contains_q(q))
    candidates = list(people[:CANDIDATE_LIMIT + 1])
    more = len(candidates) > CANDIDATE_LIMIT
    form = AppointForm(request.POST or None, org=org, candidates=candidates[:CANDIDATE_LIMIT],
                       initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.appoint(request.user, data["person"], org, data["role"], data["start_date"],
                                    data["end_date"], note=data["note"])
        except ValidationError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, _("%(person)s was appointed %(post)s.") % {
                "person": post.person.name, "post": post.get_role_display()})
            return redirect("accounts:posts", org.pk)
    return render(request, "accounts/posts_appoint.html", {"org": org, "form": form, "q": q, "more": more})


@login_required
@require_POST
def end_post(request, pk):
    post = get_scoped_or_404(Post.objects.select_related("org", "person"), request.user, perms.POSTS_MANAGE, pk=pk)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.end_post(request.user, post, form.cleaned_data["end_date"])
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, _("The term of %(person)s as %(post)s ends on %(date)s.") % {
                "person": post.person.name, "post": post.get_role_display(), "date": form.cleaned_data["end_date"]})
    else:
        messages.error(request, _("Term ends: %(error)s") % {"error": " ".join(form.errors.get("end_date", []))})
    return redirect("accounts:posts", post.org_id)
