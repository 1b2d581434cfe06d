"""Party fees: pay pages (payments, the fake provider's cashier, the callback, receipts)."""

from django.urls import path

from . import pay_views as views

urlpatterns = [
    path("my/", views.my_fees, name="my"),
    path("pay/", views.pay, name="pay"),
    path("orders/<str:out_trade_no>/", views.order, name="order"),
    path("orders/<str:out_trade_no>/state/", views.order_state, name="order_state"),
    path("cashier/fake/<str:out_trade_no>/", views.fake_cashier, name="fake_cashier"),
    path("callback/<str:provider>/", views.callback, name="callback"),
    path("record/", views.record, name="record"),
    path("receipts/", views.receipts, name="receipts"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("receipts/<str:number>/reverse/", views.reverse_receipt, name="reverse"),
]
