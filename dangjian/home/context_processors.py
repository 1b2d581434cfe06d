from django.conf import settings
from django.utils.translation import gettext as _

from .menu import menu_for


def platform(request):
    """The platform's name and, for a signed-in user, the menu the modules contribute."""
    user = getattr(request, "user", None)
    menu = menu_for(request) if user is not None and user.is_authenticated else {"main": [], "right": []}
    return {"platform_name": settings.DANGJIAN_PLATFORM_NAME or _("Dangjian Party-building platform"), "menu": menu}
