"""Party fees: report API (filled in by its owner)."""

urlpatterns = []
