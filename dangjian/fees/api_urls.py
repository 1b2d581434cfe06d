from . import base_api, pay_api, report_api

urlpatterns = [*pay_api.urlpatterns, *base_api.urlpatterns, *report_api.urlpatterns]
