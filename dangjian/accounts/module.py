"""What accounts contribute to the platform (see dangjian/core/modules.py): the sign-in pages."""

from dangjian.core.modules import Module


class AccountsModule(Module):
    order = 5
    url_prefix = "accounts/"
    urls = "dangjian.accounts.urls"
