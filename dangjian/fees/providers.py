"""Online payment providers for Party fees: one interface, loaded from settings.

A provider turns an order into what the payer is sent to (`start`), checks and parses what it sends back when the
money moves (`verify`), says what to answer so that it stops re-sending (`ack`) and may be asked about an order
(`query`). Settings:

- FEES_PAYMENT_PROVIDERS: the dotted paths of the providers whose callbacks are accepted
  (default: [FEES_PAYMENT_PROVIDER]).
- FEES_PAYMENT_PROVIDER: the one new orders go to (default "dangjian.fees.providers.FakeProvider").
- FEES_FAKE_PROVIDER_SECRET: the fake provider's signing key (default: derived from SECRET_KEY).

The fake provider stands in for WeChat Pay, Alipay or a bank in tests and the demo: its "cashier" is a page of our
own site (fees:fake_cashier) where the payer taps 支付, 取消 or 失败; the tap makes the provider send a signed
callback to the very handler the HTTP endpoint uses (payments.handle_callback). See docs/fees-payments.md for how
a real provider plugs in.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

DEFAULT_PROVIDER = "dangjian.fees.providers.FakeProvider"

PAID, FAILED, CLOSED = "paid", "failed", "closed"
STATUSES = (PAID, FAILED, CLOSED)


class ProviderError(Exception):
    """A callback that cannot be accepted."""

    outcome = "bad_payload"


class SignatureMissing(ProviderError):
    outcome = "missing_signature"


class SignatureInvalid(ProviderError):
    outcome = "bad_signature"


class BadPayload(ProviderError):
    """Signed correctly but not a payment event we understand."""

    outcome = "bad_payload"


@dataclass(frozen=True)
class Event:
    """A verified callback: the provider's own event id (a replay repeats it), our order number, the provider's
    transaction id, what happened (paid / failed / closed), the amount in yuan and when."""

    event_id: str
    out_trade_no: str
    txn_id: str
    status: str
    amount: Decimal
    at: datetime
    raw: dict


@dataclass(frozen=True)
class Start:
    """Where the payer goes: a URL to open (a cashier page, an app deep link) and/or a QR code's payload."""

    url: str = ""
    qr: str = ""


@dataclass(frozen=True)
class Ack:
    """What the callback endpoint answers."""

    status: int
    content: str
    content_type: str = "application/json"


class PaymentProvider:
    """The interface. `name` is the short name in URLs (/fees/callback/<name>/) and on orders."""

    name = ""
    label = ""

    def start(self, order, request) -> Start:  # pragma: no cover - interface
        raise NotImplementedError

    def verify(self, body: bytes, headers) -> Event:  # pragma: no cover - interface
        """Check the signature over the raw body (SignatureMissing / SignatureInvalid) and parse it (BadPayload)."""
        raise NotImplementedError

    def ack(self, ok=True, message="") -> Ack:
        if ok:
            return Ack(200, json.dumps({"code": "SUCCESS"}))
        return Ack(400, json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False))

    def query(self, order):
        """Ask the provider about an order; an Event, or None when the provider cannot be asked."""
        return None

    @staticmethod
    def peek(body: bytes) -> dict:
        """The body as JSON if it is (for recording a callback that failed verification), else a snippet. A large
        body is kept as a snippet only: unverified callbacks are anyone's, and must not fill the database."""
        if len(body) > 8192:
            return {"raw": body[:1000].decode("utf-8", "replace"), "size": len(body)}
        try:
            data = json.loads(body.decode("utf-8"))
            return data if isinstance(data, dict) else {"raw": str(data)[:1000]}
        except (UnicodeDecodeError, ValueError):
            return {"raw": body[:1000].decode("utf-8", "replace")}


def _amount(value):
    if isinstance(value, float | bool):
        raise BadPayload("amount must be a string")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadPayload("amount is not a number") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or amount < 0:
        raise BadPayload("amount is not money")
    return amount.quantize(Decimal("0.01"))


class FakeProvider(PaymentProvider):
    """A provider living inside our own site. Callbacks are JSON, signed with HMAC-SHA256 over the exact body in the
    header X-Fake-Signature (hex): {"event_id", "out_trade_no", "txn_id", "status": paid|failed|closed,
    "amount": "80.00", "time": ISO 8601}."""

    name = "fake"
    label = gettext_lazy("Simulated payment")
    header = "X-Fake-Signature"

    @property
    def secret(self):
        configured = getattr(settings, "FEES_FAKE_PROVIDER_SECRET", "")
        if configured:
            return configured.encode()
        return hashlib.sha256(("dangjian.fees.fake:" + settings.SECRET_KEY).encode()).hexdigest().encode()

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def start(self, order, request) -> Start:
        from django.urls import reverse

        url = reverse("fees:fake_cashier", args=[order.out_trade_no])
        absolute = request.build_absolute_uri(url) if request is not None else url
        return Start(url=url, qr=absolute)

    def event_body(self, order, status, *, amount=None, event_id=None, txn_id=None, at=None) -> bytes:
        """The callback the fake provider sends for `order` (canonical JSON bytes)."""
        data = {
            "event_id": event_id or "EV" + secrets.token_hex(10).upper(),
            "out_trade_no": order.out_trade_no,
            "txn_id": txn_id if txn_id is not None else ("FK" + order.out_trade_no[2:] if status == PAID else ""),
            "status": status,
            "amount": str(order.total if amount is None else amount),
            "time": (at or timezone.now()).isoformat(),
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def signed(self, body: bytes) -> dict:
        return {self.header: self.sign(body)}

    def verify(self, body: bytes, headers) -> Event:
        signature = (headers.get(self.header) or "").strip()
        if not signature:
            raise SignatureMissing("no signature")
        if not hmac.compare_digest(signature.lower().encode("utf-8", "replace"), self.sign(body).encode()):
            raise SignatureInvalid("signature does not match")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BadPayload("not JSON") from None
        if not isinstance(data, dict):
            raise BadPayload("not an object")
        for key in ("event_id", "out_trade_no", "status", "amount", "time"):
            if not isinstance(data.get(key), str) or not data.get(key):
                raise BadPayload(f"{key} missing")
        if data["status"] not in STATUSES:
            raise BadPayload("unknown status")
        at = parse_datetime(data["time"])
        if at is None:
            raise BadPayload("time is not ISO 8601")
        return Event(event_id=data["event_id"][:80], out_trade_no=data["out_trade_no"][:40],
                     txn_id=str(data.get("txn_id") or "")[:64], status=data["status"],
                     amount=_amount(data["amount"]), at=at, raw=data)


def _paths():
    """(the default provider's path or None, every configured path). An empty FEES_PAYMENT_PROVIDER with no
    FEES_PAYMENT_PROVIDERS means online payment is off (the production default: settings.py)."""
    default = getattr(settings, "FEES_PAYMENT_PROVIDER", DEFAULT_PROVIDER) or None
    paths = [p for p in (getattr(settings, "FEES_PAYMENT_PROVIDERS", None) or [default]) if p]
    if default and default not in paths:
        paths.insert(0, default)
    if default is None and paths:
        default = paths[0]
    return default, tuple(paths)


@cache
def _load(paths):
    providers = {}
    for path in paths:
        provider = import_string(path)()
        providers[provider.name] = provider
    return providers


def providers():
    """{name: provider} of every configured provider."""
    return _load(_paths()[1])


def get_provider(name):
    """The configured provider called `name`, or None."""
    return providers().get(name)


def default_provider():
    """The provider new orders go to, or None when online payment is off."""
    default, paths = _paths()
    if default is None:
        return None
    return _load(paths)[import_string(default).name]


def online_enabled():
    return default_provider() is not None


def check_providers(app_configs=None, **kwargs):
    """A deploy check (register in the app's ready(): `checks.register(check_providers, checks.Tags.security,
    deploy=True)`): the fake provider lets anyone "pay" without money moving, so it must not take callbacks in
    production, and every configured provider must load."""
    from django.core import checks

    try:
        names = set(providers())
    except Exception as exc:  # noqa: BLE001 - reported as the check's error
        return [checks.Error(f"FEES_PAYMENT_PROVIDERS cannot be loaded: {exc}", id="fees.E001")]
    if FakeProvider.name in names and not settings.DEBUG:
        return [checks.Warning("The fake payment provider is enabled: members can pay without money moving.",
                               hint="Set FEES_PAYMENT_PROVIDER(S) to a real provider in production.", id="fees.W001")]
    return []
