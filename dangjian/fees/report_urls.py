"""Party fees: report pages (filled in by its owner)."""

urlpatterns = []
