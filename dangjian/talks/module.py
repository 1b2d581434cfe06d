"""What talks contributes to the platform (see dangjian/core/modules.py): its pages."""

from dangjian.core.modules import Module


class TalksModule(Module):
    order = 70
    url_prefix = "talks/"
    urls = "dangjian.talks.urls"
