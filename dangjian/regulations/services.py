"""The regulations library: who reads which document, and every change (documents, versions, repeal,
categories). Each change owns its transaction, checks the caller's right through the scoping helper (outsiders
get 404), validates (DomainError names the field) and is audited on save; publishing against a stale page is a
ConflictError and writes nothing.

Reading: a document placed under organisation X is read by everyone whose own organisation or group is in X's
subtree, by whoever holds a post there, and by holders of learning:read or learning:manage over X. Drafts (no
version yet) only by learning:manage over X. Managing: learning:manage over X."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, has_perm_anywhere, path_q, scope_for, scoped
from dangjian.core import richtext
from dangjian.core.context import acting_user
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus

from . import rules, search
from .models import Category, Regulation, RegulationStatus, RegulationVersion

READ, MANAGE = perms.LEARNING_READ, perms.LEARNING_MANAGE
MAX_BODY = 300_000
MAX_FILE_BYTES = 20 * 1024 * 1024


# ---- reading -----------------------------------------------------------------------------------------------------

def _reader_q(user, field="org_path"):
    """The rows a user reads as a member or post holder (beyond their learning:read/manage subtrees): those
    placed at their organisations or any ancestor."""
    scope = scope_for(user)
    post_paths = [p for prefixes in scope.grants.values() for p in prefixes]
    paths = rules.reader_paths(scope.own_paths, post_paths)
    q = path_q((field,), scope.prefixes(MANAGE))
    if paths:
        q |= Q(**{f"{field}__in": paths})
    return q


def visible_regulations(user):
    """The documents the user may read (drafts only where they manage). Fails closed: no login, nothing."""
    if not getattr(user, "is_authenticated", False):
        return Regulation.objects.none()
    qs = scoped(Regulation.objects.all(), user, READ, extra=_reader_q(user))
    scope = scope_for(user)
    if not scope.superuser:
        qs = qs.filter(~Q(status=RegulationStatus.DRAFT) | path_q(("org_path",), scope.prefixes(MANAGE)))
    return qs


def readable_regulations(user):
    """What readers list and search: visible documents that have a published version."""
    return visible_regulations(user).exclude(status=RegulationStatus.DRAFT)


def get_regulation_or_404(user, pk):
    try:
        return visible_regulations(user).select_related("org", "category").get(pk=pk)
    except (Regulation.DoesNotExist, ValueError, TypeError):
        raise Http404


def can_manage(user, regulation):
    return has_perm(user, MANAGE, regulation.org_path)


def manages_any(user):
    return has_perm_anywhere(user, MANAGE)


def visible_categories(user):
    """Global categories and those of the organisations whose documents the user reads."""
    if not getattr(user, "is_authenticated", False):
        return Category.objects.none()
    return scoped(Category.objects.select_related("org"), user, READ, extra=Q(org_path="") | _reader_q(user))


def manageable_categories(user):
    scope = scope_for(user)
    if scope.superuser:
        return Category.objects.select_related("org")
    return Category.objects.filter(path_q(("org_path",), scope.prefixes(MANAGE))).select_related("org")


def can_manage_category(user, category):
    if category.org_path == "":
        return scope_for(user).superuser
    return has_perm(user, MANAGE, category.org_path)


def shown_version_pk(outer="pk", today=None):
    """SQL for the pk of the version a reader is shown of the document `outer` names (see rules.shown_number):
    the highest-numbered version in effect by `today`, else the highest-numbered one."""
    today = today or timezone.localdate()
    versions = RegulationVersion.objects.filter(regulation=OuterRef(outer)).order_by("-number").values("pk")[:1]
    in_force = (RegulationVersion.objects.filter(regulation=OuterRef(outer), effective_on__lte=today)
                .order_by("-number").values("pk")[:1])
    return Coalesce(Subquery(in_force), Subquery(versions))


def versions_of(regulation):
    """The versions of a document, newest first, without their (long) text."""
    return list(regulation.versions.defer("body_html", "body_text").select_related("published_by")
                .order_by("-number"))


def shown_version(regulation, versions=None, today=None):
    """(the version a reader is shown, whether it is in force). (None, False) for a draft."""
    today = today or timezone.localdate()
    versions = versions if versions is not None else versions_of(regulation)
    number = rules.shown_number([(v.number, v.effective_on) for v in versions], today)
    if number is None:
        return None, False
    in_force = number == rules.current_number([(v.number, v.effective_on) for v in versions], today)
    return regulation.versions.get(number=number), in_force


def get_version_or_404(user, regulation_pk, number):
    regulation = get_regulation_or_404(user, regulation_pk)
    version = regulation.versions.filter(number=number).select_related("published_by").first()
    if version is None:
        raise Http404
    return regulation, version


def whats_new(user):
    """最近更新: the published versions of the documents the user reads, newest first."""
    return (RegulationVersion.objects.filter(regulation__in=readable_regulations(user))
            .defer("body_html", "body_text").select_related("regulation", "regulation__category", "regulation__org")
            .order_by("-published_at", "-id"))


def recently_updated(user, now=None, days=rules.RECENT_DAYS):
    now = now or timezone.now()
    return readable_regulations(user).filter(last_published_at__gte=now - timezone.timedelta(days=days))


# ---- checks ------------------------------------------------------------------------------------------------------

def _date(value, name, message):
    if isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise DomainError(message, field=name)
    return value.date() if hasattr(value, "date") else value


def _required(value, field, max_length, message):
    if not (value or "").strip():
        raise DomainError(message, field=field)
    return clean_text(value, field, max_length, required=True)


def _check_org(actor, org):
    if not isinstance(org, Organization):
        raise Http404
    if actor is not None and not has_perm(actor, MANAGE, org):
        raise Http404
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("Documents are not published under a dissolved organisation."), field="org")


def _check_category(actor, category, org_path):
    if category is None:
        return None
    if not isinstance(category, Category) or category.pk is None:
        raise DomainError(_("Choose a category from the list."), field="category")
    visible = actor is None or visible_categories(actor).filter(pk=category.pk).exists()
    if not visible or not rules.category_fits(category.org_path, org_path):
        raise DomainError(_("Choose a category of this organisation, one above it, or a general one."),
                          field="category")
    return category


def _locked(actor, regulation, expected_version):
    """The document's row, locked; 404 unless the actor manages it; ConflictError if it changed since the actor
    read `expected_version`."""
    current = Regulation.objects.select_for_update().filter(pk=getattr(regulation, "pk", None)).first()
    if current is None or (actor is not None and not can_manage(actor, current)):
        raise Http404
    if expected_version is not None:
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            raise DomainError(_("Reload the page and try again."), field="version")
        if expected != current.version:
            raise ConflictError()
    return current


def _doc_number(value, org_path, exclude_pk=None):
    value = clean_text(value, "doc_number", 100)
    if value:
        clash = Regulation.objects.filter(org_path=org_path, doc_number=value).exclude(pk=exclude_pk)
        if clash.exists():
            raise DomainError(_("Another document of this organisation has the document number %(n)s.")
                              % {"n": value}, field="doc_number")
    return value


# ---- documents ---------------------------------------------------------------------------------------------------

@transaction.atomic
def create_regulation(actor, *, org, title, category=None, doc_number="", issuer=""):
    """A new document, in draft until its first version is published."""
    _check_org(actor, org)
    title = _required(title, "title", 200, _("Enter the title of the document."))
    regulation = Regulation(org=org, org_path=org.path, title=title, category=_check_category(actor, category, org.path),
                            doc_number=_doc_number(doc_number, org.path), issuer=clean_text(issuer, "issuer", 120),
                            created_by=acting_user(actor))
    regulation.save()
    return regulation


@transaction.atomic
def update_regulation(actor, regulation, *, expected_version, category=None, doc_number="", issuer=""):
    """Change the filing of a document (category, document number, issuer). Its title and text change only by
    a new version."""
    regulation = _locked(actor, regulation, expected_version)
    regulation.category = _check_category(actor, category, regulation.org_path)
    regulation.doc_number = _doc_number(doc_number, regulation.org_path, exclude_pk=regulation.pk)
    regulation.issuer = clean_text(issuer, "issuer", 120)
    regulation.version += 1
    regulation.save()
    return regulation


def _body_html(body):
    body = body or ""
    if "\x00" in body:
        raise DomainError(_("The text contains an invalid character."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("The text is longer than %(n)d characters: split the document.") % {"n": MAX_BODY},
                          field="body")
    markup = richtext.clean(body) if rules.looks_like_html(body) else rules.text_to_html(body)
    if richtext.is_blank(markup):
        raise DomainError(_("Enter the text of the document."), field="body")
    return markup


def _check_attachment(upload):
    if upload is None:
        return None
    name = (getattr(upload, "name", "") or "").replace("\x00", "")[-200:]
    if not name.lower().endswith(".pdf"):
        raise DomainError(_("The attachment must be a PDF file."), field="attachment")
    if upload.size > MAX_FILE_BYTES:
        raise DomainError(_("The attachment is larger than 20 MB."), field="attachment")
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise DomainError(_("The attachment must be a PDF file."), field="attachment")
    return name


@transaction.atomic
def publish_version(actor, regulation, *, expected_version, title, body, effective_on, change_summary="",
                    base_number=None, attachment=None, now=None):
    """Publish the next version of a document. `expected_version` is the document's version the editor read;
    `base_number` the latest version number they saw. If someone else published (or changed the document)
    meanwhile, nothing is written and ConflictError says so."""
    now = now or timezone.now()
    regulation = _locked(actor, regulation, None)
    latest = regulation.versions.order_by("-number").first()
    seen = int(base_number) if str(base_number or "").isdigit() and len(str(base_number)) < 9 else None
    if latest is not None and seen is not None and seen != latest.number:
        raise ConflictError(_("Version %(n)d of this document was published on %(when)s while you were editing; "
                              "your text was not published. Read it, then publish yours again if it is still "
                              "needed.") % {"n": latest.number,
                                            "when": timezone.localtime(latest.published_at).strftime("%Y-%m-%d %H:%M")})
    _locked(actor, regulation, expected_version)
    if regulation.status == RegulationStatus.REPEALED:
        raise DomainError(_("This document has been repealed: it takes no new versions."))
    title = _required(title, "title", 200, _("Enter the title of the document."))
    markup = _body_html(body)
    effective_on = _date(effective_on, "effective_on", _("Enter the date the version takes effect."))
    number = (latest.number if latest else 0) + 1
    change_summary = clean_text(change_summary, "change_summary", 2000)
    if number > 1 and not change_summary:
        raise DomainError(_("Say what changed in this version."), field="change_summary")
    attachment_name = _check_attachment(attachment)
    version = RegulationVersion(
        regulation=regulation, number=number, title=title, body_html=markup, body_text=rules.html_to_text(markup),
        effective_on=effective_on, published_at=now, change_summary=change_summary,
        published_by=acting_user(actor))
    if attachment_name:
        version.attachment = attachment
        version.attachment_name = attachment_name
        version.attachment_size = attachment.size
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:  # another publication of number n+1 was written first
        raise ConflictError()
    search.index_version(version)
    regulation.title = title
    regulation.status = RegulationStatus.PUBLISHED
    regulation.first_published_at = regulation.first_published_at or now
    regulation.last_published_at = now
    regulation.version += 1
    regulation.save()
    return version


@transaction.atomic
def repeal_regulation(actor, regulation, *, expected_version, on, note):
    """废止: the document stays readable (marked repealed, with its history) but leaves the default lists and
    search, and takes no new versions."""
    regulation = _locked(actor, regulation, expected_version)
    if regulation.status != RegulationStatus.PUBLISHED:
        raise DomainError(_("Only a document in force can be repealed."))
    on = _date(on, "repealed_on", _("Enter the date the document is repealed."))
    note = _required(note, "repeal_note", 300, _("Say why the document is repealed, e.g. which one replaces it."))
    regulation.status = RegulationStatus.REPEALED
    regulation.repealed_on = on
    regulation.repeal_note = note
    regulation.version += 1
    regulation.save()
    return regulation


# ---- categories --------------------------------------------------------------------------------------------------

def _sort_order(value):
    if value in (None, ""):
        return 0
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number for the order."), field="sort_order")
    if abs(value) > 100_000:
        raise DomainError(_("Enter a whole number for the order."), field="sort_order")
    return value


def _category_name(value, org_path, exclude_pk=None):
    name = _required(value, "name", 60, _("Enter the name of the category."))
    if Category.objects.filter(org_path=org_path, name=name).exclude(pk=exclude_pk).exists():
        raise DomainError(_("There is already a category named %(name)s here.") % {"name": name}, field="name")
    return name


@transaction.atomic
def create_category(actor, *, org, name, sort_order=0):
    """A category of an organisation (learning:manage there), or a general one (org None: administrators)."""
    if org is None:
        if actor is not None and not scope_for(actor).superuser:
            raise Http404
        path = ""
    else:
        _check_org(actor, org)
        path = org.path
    category = Category(org=org, org_path=path, name=_category_name(name, path), sort_order=_sort_order(sort_order))
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise DomainError(_("There is already a category named %(name)s here.") % {"name": category.name},
                          field="name")
    return category


def _locked_category(actor, category, expected_version):
    current = Category.objects.select_for_update().filter(pk=getattr(category, "pk", None)).first()
    if current is None or (actor is not None and not can_manage_category(actor, current)):
        raise Http404
    if expected_version is not None and str(expected_version) != str(current.version):
        raise ConflictError()
    return current


@transaction.atomic
def update_category(actor, category, *, expected_version, name, sort_order=0):
    category = _locked_category(actor, category, expected_version)
    category.name = _category_name(name, category.org_path, exclude_pk=category.pk)
    category.sort_order = _sort_order(sort_order)
    category.version += 1
    category.save()
    return category


@transaction.atomic
def delete_category(actor, category, *, expected_version):
    category = _locked_category(actor, category, expected_version)
    if category.regulations.exists():
        raise DomainError(_("Documents are filed under this category: move them first."), field="name")
    category.delete()
