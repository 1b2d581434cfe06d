"""Party fees: pay API (filled in by its owner)."""

urlpatterns = []
