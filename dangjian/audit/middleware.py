from dangjian.core.context import ActionContext, reset_context, set_context


def client_ip(request):
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class AuditContextMiddleware:
    """Makes the request (and so its user) known to the audit trail for the duration of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = ActionContext(
            request=request,
            ip=client_ip(request),
            method=request.method,
            path=request.path[:300],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            via="api" if request.path.startswith("/api/") else "web",
        )
        request.request_id = ctx.request_id
        token = set_context(ctx)
        try:
            return self.get_response(request)
        finally:
            reset_context(token)
