"""Party fee payments in the API (under /api/v1/fees/), the same rules as the pages (payments.py):

- `GET  my`                         the caller's statement: this year's months, arrears, what may be paid now
- `POST orders`                     create an online order for the caller's months and a voluntary extra
- `GET  orders/{out_trade_no}`      an order (the caller's own, or fees:read over the member)
- `POST payments`                   a collector records cash or a transfer (fees:collect over the member)
- `GET  receipts/{number}`          a receipt (the caller's own, or fees:read over the member)
- `POST callback/{provider}`        the provider's notification (no authentication: the signature is checked)

Money is a string with two decimals ("40.00"). Bad input: 400 naming the field; outside one's scope: 404."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import get_scoped_or_404
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.people.models import Person

from . import payments, services
from .models import MONEY


class MyFeeMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="First day of the month.")
    has_due = serializers.BooleanField(help_text="Dues exist for the month.")
    amount = serializers.DecimalField(allow_null=True, **MONEY)
    paid = serializers.DecimalField(**MONEY)
    voluntary = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    relief = serializers.SerializerMethodField(help_text="reduce, exempt or excused; null when none")

    def get_relief(self, row) -> str | None:
        return row["relief"].kind if row.get("relief") else None


class MyFeeArrearSerializer(serializers.Serializer):
    month = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)


class MyFeePayableSerializer(serializers.Serializer):
    month = serializers.DateField()
    kind = serializers.CharField(help_text="arrears, current or ahead")
    amount = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    busy = serializers.BooleanField(help_text="In an online payment under way.")
    estimated = serializers.BooleanField(help_text="No dues yet: the fee base's monthly amount.")


class MyFeeTotalsSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)


class MyFeesSerializer(serializers.Serializer):
    person = serializers.DictField(help_text="{id, name}")
    year = serializers.IntegerField()
    months = MyFeeMonthSerializer(many=True)
    totals = MyFeeTotalsSerializer()
    arrears = MyFeeArrearSerializer(many=True, help_text="Earlier months still owed within the back-payment window.")
    arrears_beyond_window = MyFeeArrearSerializer(many=True, help_text="Older months still owed: ask the branch.")
    payable = MyFeePayableSerializer(many=True)


class FeeOrderSerializer(serializers.Serializer):
    out_trade_no = serializers.CharField()
    person = serializers.IntegerField(source="person_id")
    provider = serializers.CharField()
    state = serializers.CharField(help_text="created, paid, failed or closed")
    months = serializers.SerializerMethodField()
    dues_amount = serializers.DecimalField(**MONEY)
    voluntary = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    receipt = serializers.SerializerMethodField(help_text="The receipt number once paid.")
    pay_url = serializers.SerializerMethodField(help_text="Where to send the payer (while the order is open).")
    pay_qr = serializers.SerializerMethodField(help_text="A QR code's payload for the same (while open).")

    def get_months(self, order) -> list[dict]:
        return [{"month": m.isoformat(), "amount": str(a)} for m, a in payments.order_lines(order)]

    def get_receipt(self, order) -> str | None:
        receipt = payments.receipt_of(order)
        return receipt.number if receipt else None

    def _start(self, order):
        if order.state != "created" or order.expires_at <= timezone.now():
            return None
        if "start" not in self.context:
            self.context["start"] = payments.start_payment(order, self.context.get("request"))
        return self.context["start"]

    def get_pay_url(self, order) -> str | None:
        start = self._start(order)
        return start.url if start and start.url else None

    def get_pay_qr(self, order) -> str | None:
        start = self._start(order)
        return start.qr if start and start.qr else None


class FeeOrderCreateSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField(max_length=10), required=False, default=list,
                                   help_text='Months to pay, "YYYY-MM".')
    voluntary = serializers.CharField(required=False, allow_blank=True, default="",
                                      help_text='A voluntary extra in yuan, e.g. "10.00".')


class FeeReceiptLineSerializer(serializers.Serializer):
    month = serializers.DateField(allow_null=True, help_text="null for a voluntary extra")
    amount = serializers.DecimalField(**MONEY)
    voluntary = serializers.DecimalField(**MONEY)
    large = serializers.BooleanField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)


class FeeReceiptSerializer(serializers.Serializer):
    number = serializers.CharField()
    person = serializers.SerializerMethodField()
    org = serializers.SerializerMethodField()
    total = serializers.DecimalField(**MONEY)
    method = serializers.CharField(help_text="online, cash or transfer")
    issued_at = serializers.DateTimeField()
    cancels = serializers.SerializerMethodField(help_text="The receipt this one cancels.")
    cancelled_by = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()

    def get_person(self, r) -> dict:
        return {"id": r.person_id, "name": r.person.name}

    def get_org(self, r) -> dict:
        return {"id": r.org_id, "name": r.org.name}

    def get_cancels(self, r) -> str | None:
        return r.cancels.number if r.cancels_id else None

    def get_cancelled_by(self, r) -> str | None:
        other = payments.cancelled_by(r)
        return other.number if other else None

    def get_lines(self, r) -> list[dict]:
        return FeeReceiptLineSerializer(payments.receipt_payments(r), many=True).data


class FeePaymentRecordSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="The member who paid.")
    months = serializers.ListField(child=serializers.CharField(max_length=10), required=False, default=list)
    amounts = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict,
                                    help_text='Less than owed for some months: {"YYYY-MM": "20.00"}.')
    voluntary = serializers.CharField(required=False, allow_blank=True, default="")
    method = serializers.ChoiceField(choices=["cash", "transfer"])
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found (or outside your scope)")


class MyFeesView(APIView):
    @extend_schema(summary="My Party fees", parameters=[OpenApiParameter("year", int, description="default: this year")],
                   responses={200: MyFeesSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def get(self, request):
        person = payments.own_person(request.user)
        today = timezone.localdate()
        raw = request.query_params.get("year", "")
        if raw == "":
            year = today.year
        elif raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= today.year + 1:
            year = int(raw)
        else:
            raise serializers.ValidationError({"year": [_("Enter a year from 2000 to %(last)d.")
                                                        % {"last": today.year + 1}]})
        months = payments.my_year(person, year)
        payable, too_old = payments.arrears(person, today)
        return Response(MyFeesSerializer({
            "person": {"id": person.pk, "name": person.name}, "year": year, "months": months,
            "totals": payments.totals([m for m in months if m["has_due"]]), "arrears": payable,
            "arrears_beyond_window": too_old,
            "payable": payments.payable_months(person, today) if services.on_roll(person) else []}).data)


class OrdersView(APIView):
    @extend_schema(summary="Pay online: create an order", request=FeeOrderCreateSerializer,
                   description="The server computes what each month still owes; send the payer to `pay_url` "
                               "(or show `pay_qr`) and poll the order until its state is `paid`.",
                   responses={201: FeeOrderSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request):
        data = FeeOrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = payments.create_order(request.user, data.validated_data["months"],
                                      data.validated_data["voluntary"])
        return Response(FeeOrderSerializer(order, context={"request": request}).data, status=status.HTTP_201_CREATED)


class OrderView(APIView):
    @extend_schema(summary="An online order", responses={200: FeeOrderSerializer, 404: NOT_FOUND})
    def get(self, request, out_trade_no):
        order = payments.order_for(request.user, out_trade_no)
        return Response(FeeOrderSerializer(order, context={"request": request}).data)


class PaymentsView(APIView):
    @extend_schema(summary="Record a cash or transfer payment", request=FeePaymentRecordSerializer,
                   description="fees:collect over the member. Each month is paid at what it still owes unless "
                               "`amounts` gives less; more than owed is refused (send it as `voluntary`).",
                   responses={201: FeeReceiptSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request):
        data = FeePaymentRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        person = get_scoped_or_404(Person.objects.all(), request.user, perms.FEES_COLLECT, pk=v["person"])
        receipt = payments.record_payment(request.user, person, months=v["months"], amounts=v["amounts"],
                                          voluntary=v["voluntary"], method=v["method"], paid_on=v["paid_on"],
                                          note=v["note"])
        receipt = payments.receipt_for(request.user, receipt.number)
        return Response(FeeReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class ReceiptView(APIView):
    @extend_schema(summary="A receipt", responses={200: FeeReceiptSerializer, 404: NOT_FOUND})
    def get(self, request, number):
        return Response(FeeReceiptSerializer(payments.receipt_for(request.user, number)).data)


class CallbackView(APIView):
    """The provider's notification: the same handler as /fees/callback/<provider>/."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(summary="A payment provider's notification", request=OpenApiTypes.BINARY,
                   description="Sent by the provider, not by clients: the body's signature is checked; a replay "
                               "gets the same answer.",
                   responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request, provider):
        from django.http import HttpResponse

        ack = payments.handle_callback(provider, request.body, request.headers)
        return HttpResponse(ack.content, status=ack.status, content_type=ack.content_type)


urlpatterns = [
    path("my", MyFeesView.as_view(), name="fees-my"),
    path("orders", OrdersView.as_view(), name="fees-orders"),
    path("orders/<str:out_trade_no>", OrderView.as_view(), name="fees-order"),
    path("payments", PaymentsView.as_view(), name="fees-payments"),
    path("receipts/<str:number>", ReceiptView.as_view(), name="fees-receipt"),
    path("callback/<str:provider>", CallbackView.as_view(), name="fees-callback"),
]
