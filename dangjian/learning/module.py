"""What learning tasks and credits contribute to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.modules import MenuEntry, Module
from dangjian.exams.module import learns


class LearningModule(Module):
    order = 40
    url_prefix = "learning/"
    urls = "dangjian.learning.urls"
    api_prefix = "learning/"
    api_urls = "dangjian.learning.api_urls"

    def menu(self, request):
        user = request.user
        if not learns(user):
            return []
        entries = [MenuEntry("learning", _("Learning"), icon="book", order=40),  # the drop-down others join
                   MenuEntry("learning-tasks", _("Learning tasks"), reverse("learning:home"), icon="book",
                             parent="learning", order=2)]
        if user.person_id:
            entries.append(MenuEntry("credits", _("My credits"), reverse("learning:credits"), icon="star",
                                     parent="learning", order=3))
        return entries

    def seed_demo(self, root, today):
        from .demo import seed_learning

        return {"learning_items": seed_learning(root, today)}
