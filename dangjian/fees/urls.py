from . import base_urls, pay_urls, report_urls

app_name = "fees"

urlpatterns = [*pay_urls.urlpatterns, *base_urls.urlpatterns, *report_urls.urlpatterns]
