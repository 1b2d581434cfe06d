"""Forms of the regulations pages. They parse input only; the rules come back from services.py as DomainError
and `add_domain_error` puts them on the field they name."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import DATE, StyledForm

TITLE_REQUIRED = _("Enter the title of the document.")
NAME_REQUIRED = _("Enter the name of the category.")
ORDER = _("Enter a whole number for the order.")


def org_choices(orgs):
    return [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


def category_choices(categories, blank=None):
    return [("", blank or _("No category"))] + [(c.pk, f"{c.name}（{c.org.name}）" if c.org_id else c.name) for c in categories]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the regulations"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "class": "form-control form-control-lg",
                                                      "placeholder": _("Words in the title or text, e.g. 应急"),
                                                      "autocomplete": "off", "enterkeyhint": "search"}))
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None,
                                      widget=forms.Select(attrs={"class": "form-select"}))
    history = forms.BooleanField(label=_("Search earlier versions too"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    repealed = forms.BooleanField(label=_("Include repealed documents"), required=False,
                                  widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories, _("All categories"))
        self.fields["q"].widget.attrs.update({  # live results as one types (HTMX), the whole form's values
            "hx-get": reverse("regulations:list"), "hx-trigger": "input changed delay:300ms, search",
            "hx-target": "#results", "hx-include": "#reg-search", "hx-push-url": "true"})


class RegulationForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Issuing organisation"), coerce=int,
                                 help_text=_("Everyone in this organisation and below reads the document."))
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": TITLE_REQUIRED})
    doc_number = forms.CharField(label=_("Document number"), max_length=100, required=False,
                                 help_text=_("文号, e.g. 党委发〔2024〕3号"))
    issuer = forms.CharField(label=_("Issued by"), max_length=120, required=False)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, orgs=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(orgs)
        self.fields["category"].choices = category_choices(categories)


class FilingForm(StyledForm):
    """The filing of an existing document (its title and text change by a new version)."""

    doc_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=120, required=False)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)


class VersionForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": TITLE_REQUIRED})
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 18}),
                           error_messages={"required": _("Enter the text of the document.")},
                           help_text=_("Paste the text: one paragraph a line. Lines beginning 第一章, 第一节 or "
                                       "第一条 become the table of contents. Simple HTML is kept (headings, bold, "
                                       "lists)."))
    effective_on = forms.DateField(label=_("Effective from"), widget=DATE, error_messages={
        "required": _("Enter the date the version takes effect."),
        "invalid": _("Enter the date the version takes effect.")})
    change_summary = forms.CharField(label=_("What changed"), required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("Shown in the history and in “What's new”, e.g. 第十二条修改为…"))
    attachment = forms.FileField(label=_("Attachment (PDF)"), required=False,
                                 help_text=_("The signed original as a PDF, at most 20 MB."))
    version = forms.IntegerField(widget=forms.HiddenInput)
    base_number = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].widget.attrs["accept"] = "application/pdf,.pdf"


class RepealForm(StyledForm):
    repealed_on = forms.DateField(label=_("Repealed on"), widget=DATE, error_messages={
        "required": _("Enter the date the document is repealed."),
        "invalid": _("Enter the date the document is repealed.")})
    repeal_note = forms.CharField(label=_("Reason for repeal"), max_length=300, error_messages={
        "required": _("Say why the document is repealed, e.g. which one replaces it.")},
                                  help_text=_("e.g. replaced by 党委发〔2025〕1号"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CategoryForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_("Name of the category"), max_length=60, error_messages={"required": NAME_REQUIRED})
    sort_order = forms.IntegerField(label=_("Order"), required=False, initial=0, error_messages={"invalid": ORDER},
                                    help_text=_("Smaller numbers come first."))

    def __init__(self, *args, orgs=(), allow_global=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("General (all organisations)"))] if allow_global else []
        self.fields["org"].choices = choices + org_choices(orgs)


class CategoryEditForm(StyledForm):
    name = forms.CharField(label=_("Name of the category"), max_length=60, error_messages={"required": NAME_REQUIRED})
    sort_order = forms.IntegerField(label=_("Order"), required=False, error_messages={"invalid": ORDER})
    version = forms.IntegerField(widget=forms.HiddenInput)
