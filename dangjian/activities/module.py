"""What activities contributes to the platform (see dangjian/core/modules.py): its pages."""

from dangjian.core.modules import Module


class ActivitiesModule(Module):
    order = 70
    url_prefix = "activities/"
    urls = "dangjian.activities.urls"
