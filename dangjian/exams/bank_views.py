"""The question bank pages: the list of a bank with its counts, the question editor, retiring and reactivating,
the xlsx import (check, then confirm) with its template, and the export. Thin callers of services.py,
bank.py and imports.py; only keepers of a bank (learning:manage over its organisation) reach them, anyone
else gets 404.

The import is two steps. Uploading checks the whole file (a dry run): every bad row is listed, or a summary
is shown with an "import N questions" button. The checked file waits on the server (imports.stash: under
VAR_DIR, named by a random token bound to the user and the bank, for an hour), so the confirmation sends the
token, not the file again; the file is checked once more when it is written (the bank may have changed)."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.audit import chain
from dangjian.core.errors import ConflictError, messages_of
from dangjian.orgs.forms import StyledForm

from . import bank, imports, rules, services
from .models import QuestionKind, QuestionStatus, Tier
from .services import READ

PAGE_SIZE = 25
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
STATUS_ACTIONS = {QuestionStatus.RETIRED: gettext_lazy("Question retired."),
                  QuestionStatus.ACTIVE: gettext_lazy("Question reactivated."),
                  QuestionStatus.DRAFT: gettext_lazy("Question set back to draft.")}


def _nav(user, bank_section):
    """The exams module's tabs (exams/_subnav.html) and the bank's own."""
    return {"subnav": {"can_read": has_perm_anywhere(user, READ), "can_manage": True}, "section": "bank",
            "bank_section": bank_section}


def _org_choices(orgs):
    return [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


def _bank_url(org, **params):
    query = urlencode({"org": org.pk, **{k: v for k, v in params.items() if v not in (None, "")}})
    return f"{reverse('exams:bank')}?{query}"


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _file_code(org):
    return re.sub(r"[^A-Za-z0-9_-]", "", org.code or "") or str(org.pk)


# ---------------------------------------------------------------------------------------------------- list

@login_required
def bank_list(request):
    user = request.user
    orgs = bank.bank_orgs(user)
    org = bank.pick_bank(user, request.GET.get("org"), orgs)
    categories = bank.categories_of(org)
    filters = bank.clean_filters(request.GET, categories)
    page = Paginator(bank.bank_queryset(org, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for q in page.object_list:
        q.answer_display = rules.answer_text(q.kind, q.answer)
        q.lettered = [(rules.LETTERS[i], text, i in q.answer) for i, text in enumerate(q.options)]
    lines, totals, total = bank.count_table(org, categories)
    query = {"org": org.pk, **filters}
    return render(request, "exams/bank/list.html", {
        "org": org, "orgs": _org_choices(orgs), "page": page, "filters": filters, "categories": categories,
        "count_lines": lines, "count_totals": totals, "count_total": total, "tiers": Tier.choices,
        "kinds": QuestionKind.choices, "statuses": QuestionStatus.choices, "query": urlencode(query),
        "filtered": bool(filters), **_nav(user, "list")})


# ---------------------------------------------------------------------------------------------------- editor

class QuestionForm(StyledForm):
    """The scalar fields of a question; the options and the answer come from the editor's repeated inputs
    (option, correct, truth, blank) and are checked by the service with the rest."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=QuestionKind.choices)
    stem = forms.CharField(label=gettext_lazy("Question"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    tier = forms.ChoiceField(label=gettext_lazy("Tier"), choices=Tier.choices)
    category = forms.CharField(label=gettext_lazy("Category"), required=False, max_length=200,
                               help_text=gettext_lazy("Choose one or type a new one (e.g. 党建规章, 业务规章, 安全应急)."))
    explanation = forms.CharField(label=gettext_lazy("Explanation"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=gettext_lazy("Shown with the right answer after a paper is scored."))
    source = forms.CharField(label=gettext_lazy("Source"), required=False, max_length=400,
                             help_text=gettext_lazy("The regulation or document the question comes from."))
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=QuestionStatus.choices,
                               initial=QuestionStatus.ACTIVE,
                               help_text=gettext_lazy("Only active questions are drawn into monthly sets."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.attrs.update({"list": "bank-categories", "autocomplete": "off"})
        self.fields["kind"].widget.attrs["data-kind-select"] = "1"


def editor_answer(post):
    """(options, answer) from the editor's inputs. Empty option rows are dropped and the right-answer marks
    follow their options, so removing a row in the middle needs no script."""
    kind = post.get("kind")
    if kind in CHOICE_KINDS:
        texts = [str(t) for t in post.getlist("option")[: rules.MAX_OPTIONS + 2]]
        marked = {int(v) for v in post.getlist("correct") if str(v).isdigit() and len(str(v)) < 4}
        options, answer = [], []
        for index, text in enumerate(texts):
            if text.strip():
                if index in marked:
                    answer.append(len(options))
                options.append(text)
        return options, answer
    if kind == QuestionKind.TRUE_FALSE:
        truth = post.get("truth")
        return [], [True] if truth == "true" else [False] if truth == "false" else []
    if kind == QuestionKind.FILL:
        blanks = [[a.strip() for a in str(b).split("|") if a.strip()] for b in post.getlist("blank")[:50]]
        return [], [b for b in blanks if b]
    return [], []


def _editor_rows(kind, options, answer):
    """The rows the editor shows: every option slot (A..H) and blank slot, the empty ones beyond the first
    few hidden until "add" reveals them."""
    options = list(options or [])
    marked = set(answer or []) if kind in CHOICE_KINDS else set()
    shown = max(4, len(options))
    option_rows = [{"index": i, "letter": rules.LETTERS[i], "text": options[i] if i < len(options) else "",
                    "checked": i in marked, "shown": i < shown} for i in range(rules.MAX_OPTIONS)]
    blanks = list(answer or []) if kind == QuestionKind.FILL else []
    blank_rows = [{"index": i, "number": i + 1, "text": "|".join(blanks[i]) if i < len(blanks) else "",
                   "shown": i < max(1, len(blanks))} for i in range(rules.MAX_BLANKS)]
    truth = answer[0] if kind == QuestionKind.TRUE_FALSE and answer in ([True], [False]) else None
    return {"option_rows": option_rows, "blank_rows": blank_rows, "truth": truth}


def _posted_rows(post):
    """The editor rows as posted (so a refused form shows what was typed, gaps included)."""
    kind = post.get("kind")
    texts = [str(t) for t in post.getlist("option")[: rules.MAX_OPTIONS]]
    marked = {int(v) for v in post.getlist("correct") if str(v).isdigit() and len(str(v)) < 4}
    last = max([i for i, t in enumerate(texts) if t.strip()] + [3])
    option_rows = [{"index": i, "letter": rules.LETTERS[i], "text": texts[i] if i < len(texts) else "",
                    "checked": i in marked and kind in CHOICE_KINDS, "shown": i <= last}
                   for i in range(rules.MAX_OPTIONS)]
    blanks = [str(b) for b in post.getlist("blank")[: rules.MAX_BLANKS]]
    last = max([i for i, t in enumerate(blanks) if t.strip()] + [0])
    blank_rows = [{"index": i, "number": i + 1, "text": blanks[i] if i < len(blanks) else "", "shown": i <= last}
                  for i in range(rules.MAX_BLANKS)]
    truth = {"true": True, "false": False}.get(post.get("truth"))
    return {"option_rows": option_rows, "blank_rows": blank_rows, "truth": truth}


def _lines(text):
    """A textarea's line ends (\r\n) as the bank keeps them (\n), so an export imports back the same."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _route_error(form, extra, error):
    """A service's refusal: on the form field it names, under the options or the answer, or for the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            texts = [m for e in errors for m in e.messages]
            if field in ("options", "answer"):
                extra.setdefault(field, []).extend(texts)
            elif field in form.fields and field != "version":
                form.add_error(field, texts)
            else:
                form.add_error(None, texts)
    else:
        form.add_error(None, messages_of(error))


def _editor(request, org, question=None):
    user = request.user
    categories = bank.categories_of(org)
    extra_errors = {}
    if request.method == "POST":
        form = QuestionForm(request.POST)
        rows = _posted_rows(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            options, answer = editor_answer(request.POST)
            data = {"kind": d["kind"], "stem": _lines(d["stem"]), "options": options, "answer": answer,
                    "tier": d["tier"], "category": d["category"], "explanation": _lines(d["explanation"]),
                    "source": d["source"], "status": d["status"]}
            problem = bank.blank_answer_error(answer) if d["kind"] == QuestionKind.FILL else None
            try:
                if problem:
                    raise ValidationError({"answer": [problem]})
                if question is None:
                    saved = services.create_question(user, org, data)
                else:
                    saved = services.update_question(user, question, data, expected_version=d.get("version"))
            except ConflictError as e:
                messages.error(request, e.message)
                form.add_error(None, _("Nothing was saved. Reload the question to see the changes, then edit it "
                                       "again."))
            except ValidationError as e:
                _route_error(form, extra_errors, e)
            else:
                if question is None:
                    messages.success(request, _("Question added to the bank of %(org)s.") % {"org": org.name})
                    if "another" in request.POST:
                        return redirect(reverse("exams:bank_new") + "?" + urlencode(
                            {"org": org.pk, "kind": saved.kind, "tier": saved.tier,
                             "category": saved.category.name}))
                else:
                    messages.success(request, _("Question saved."))
                return redirect(_bank_url(org))
    elif question is not None:
        form = QuestionForm(initial={
            "kind": question.kind, "stem": question.stem, "tier": question.tier, "category": question.category.name,
            "explanation": question.explanation, "source": question.source, "status": question.status,
            "version": question.version})
        rows = _editor_rows(question.kind, question.options, question.answer)
    else:
        initial = {"kind": request.GET.get("kind") if request.GET.get("kind") in QuestionKind.values
                   else QuestionKind.SINGLE,
                   "tier": request.GET.get("tier") if request.GET.get("tier") in Tier.values else Tier.C,
                   "category": str(request.GET.get("category") or "")[:40], "status": QuestionStatus.ACTIVE}
        form = QuestionForm(initial=initial)
        rows = _editor_rows(initial["kind"], [], [])
    kind = form["kind"].value() or QuestionKind.SINGLE
    return render(request, "exams/bank/form.html", {
        "form": form, "org": org, "question": question, "categories": categories, "kind": kind,
        "choice_kinds": [str(k) for k in CHOICE_KINDS], "extra_errors": extra_errors,
        "orgs": _org_choices(bank.bank_orgs(user)) if question is None else (), **_nav(user, "new" if question is None else "edit"), **rows})


@login_required
def bank_new(request):
    user = request.user
    raw = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    org = bank.pick_bank(user, raw)
    return _editor(request, org)


@login_required
def bank_edit(request, pk):
    question = services.get_question_or_404(request.user, pk)
    return _editor(request, question.org, question)


@login_required
@require_POST
def bank_status(request, pk):
    question = services.get_question_or_404(request.user, pk)
    status = request.POST.get("status")
    try:
        bank.change_status(request.user, question, status, request.POST.get("version"))
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        for text in messages_of(e):
            messages.error(request, text)
    else:
        messages.success(request, STATUS_ACTIONS.get(status, _("Saved.")))
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(_bank_url(question.org))


# ---------------------------------------------------------------------------------------------------- import

class ImportForm(StyledForm):
    org = forms.TypedChoiceField(label=gettext_lazy("Import into the bank of"), coerce=int)
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = _org_choices(orgs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise ValidationError(_("The file is larger than %(n)d MB.") % {"n": imports.MAX_BYTES // (1024 * 1024)})
        return upload


@login_required
def bank_import(request):
    user = request.user
    orgs = bank.bank_orgs(user)
    if not orgs:
        raise Http404
    if request.method == "POST" and request.POST.get("token"):
        return _confirm(request, orgs)
    org = bank.pick_bank(user, request.POST.get("org") or request.GET.get("org"), orgs)
    form = ImportForm(request.POST or None, request.FILES or None, orgs=orgs, initial={"org": org.pk})
    context = {"form": form, "org": org, **_nav(user, "import")}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        filename = (upload.name or "")[:200]
        try:
            report = imports.check(user, org, content)
        except imports.FileError as e:
            form.add_error("file", e.message)
        else:
            context.update({"report": report, "filename": filename})
            if report.ok:
                context["token"] = imports.stash(content, user, org, filename)
                context.update(_preview(report))
    return render(request, "exams/bank/import.html", context)


def _preview(report):
    lines, totals, total = report.matrix()
    kinds = dict(QuestionKind.choices)
    statuses = dict(QuestionStatus.choices)
    return {"preview_lines": lines, "preview_totals": totals, "preview_total": total,
            "preview_kinds": [(kinds[k], n) for k, n in report.kind_counts().items()],
            "preview_statuses": [(statuses[s], n) for s, n in report.status_counts().items()]}


def _confirm(request, orgs):
    user = request.user
    org = bank.pick_bank(user, request.POST.get("org"), orgs)
    token = request.POST.get("token")
    kept = imports.unstash(token, user, org)
    if kept is None:
        messages.error(request, _("The checked file is no longer available: upload it again."))
        return redirect(reverse("exams:bank_import") + f"?org={org.pk}")
    content, filename = kept
    try:
        report = imports.run(user, org, content, filename=filename)
    except imports.FileError as e:
        messages.error(request, e.message)
        imports.discard(token)
        return redirect(reverse("exams:bank_import") + f"?org={org.pk}")
    except ValidationError as e:
        for text in messages_of(e):
            messages.error(request, text)
        return redirect(reverse("exams:bank_import") + f"?org={org.pk}")
    imports.discard(token)
    if report.errors:  # the bank changed since the check
        messages.error(request, _("The bank changed since the check: nothing was imported."))
        form = ImportForm(orgs=orgs, initial={"org": org.pk})
        return render(request, "exams/bank/import.html", {"form": form, "org": org, "report": report,
                                                          "filename": filename, **_nav(user, "import")})
    messages.success(request, ngettext("%(n)d question imported into the bank of %(org)s.",
                                       "%(n)d questions imported into the bank of %(org)s.", report.written) % {
        "n": report.written, "org": org.name})
    return redirect(_bank_url(org))


@login_required
def bank_template(request):
    if not bank.bank_orgs(request.user):
        raise Http404
    return _xlsx(imports.build_template(), "question-bank-template.xlsx")


@login_required
def bank_export(request):
    user = request.user
    org = bank.pick_bank(user, request.GET.get("org"))
    filters = bank.clean_filters(request.GET, bank.categories_of(org))
    qs = bank.bank_queryset(org, filters)
    content, count = imports.export_bank(qs.iterator(chunk_size=1000))
    # The bank holds the answers of exams still to be sat: who took a copy is recorded.
    chain.record(chain.AuditEntry.Action.EXPORT, "exams.question", "", actor=user, object_repr=org.name,
                 org_path=org.path, after={"rows": count, "org": org.code, "filters": filters})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx(content, f"question-bank-{_file_code(org)}-{stamp}.xlsx")
