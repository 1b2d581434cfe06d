"""Party fees: base API (filled in by its owner)."""

urlpatterns = []
