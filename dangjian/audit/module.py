"""What the audit trail contributes to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import MenuEntry, Module


class AuditModule(Module):
    order = 90
    url_prefix = "audit/"
    urls = "dangjian.audit.urls"

    def menu(self, request):
        if has_perm_anywhere(request.user, perms.AUDIT_READ):
            return [MenuEntry("audit", _("Audit trail"), reverse("audit:list"), icon="shield-check", order=90)]
        return []
