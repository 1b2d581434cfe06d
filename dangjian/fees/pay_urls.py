"""Party fees: pay pages (filled in by its owner)."""

urlpatterns = []
