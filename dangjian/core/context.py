"""The acting user and request of the current unit of work (a request, a task, a command).

Set by AuditContextMiddleware for web requests and by `acting_as()` for commands and tasks, read by
the audit trail so that every change records who made it and through which request.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ActionContext:
    user: object = None
    ip: str = ""
    method: str = ""
    path: str = ""
    user_agent: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    via: str = "web"
    request: object = None

    def as_meta(self):
        return {
            "request_id": self.request_id,
            "ip": self.ip,
            "method": self.method,
            "path": self.path,
            "user_agent": self.user_agent[:200],
            "via": self.via,
        }


_current = contextvars.ContextVar("dangjian_action_context", default=None)


def current():
    return _current.get()


def current_user():
    ctx = _current.get()
    user = getattr(ctx, "user", None)
    if user is None and getattr(ctx, "request", None) is not None:
        user = getattr(ctx.request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


@contextmanager
def acting_as(user=None, via="command", **meta):
    token = _current.set(ActionContext(user=user, via=via, **meta))
    try:
        yield
    finally:
        _current.reset(token)


def set_context(ctx):
    return _current.set(ctx)


def reset_context(token):
    _current.reset(token)


def acting_user(actor):
    """The logged-in user to record as the author of a change (created_by …); None for the platform itself or an
    anonymous caller."""
    return actor if getattr(actor, "is_authenticated", False) else None
