"""What the regulations library contributes to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.modules import MenuEntry, Module
from dangjian.exams.module import learns


class RegulationsModule(Module):
    order = 42
    url_prefix = "regulations/"
    urls = "dangjian.regulations.urls"
    api_prefix = "regulations/"
    api_urls = "dangjian.regulations.api_urls"

    def menu(self, request):
        if not learns(request.user):
            return []
        return [MenuEntry("regulations", _("Regulations"), reverse("regulations:list"), icon="journal-text",
                          parent="learning", order=4)]

    def seed_demo(self, root, today):
        from .demo import seed_regulations

        return {"regulations": seed_regulations(root, today)}
