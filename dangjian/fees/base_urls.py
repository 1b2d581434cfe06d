"""Party fees: base pages (filled in by its owner)."""

urlpatterns = []
