"""Where notices go besides the platform's own inbox: pluggable channels (settings.NOTICE_CHANNELS; the older
name MEETING_CHANNELS is still read when NOTICE_CHANNELS is not set).

A channel is a class with `send(person, title, body)`. The console channel (default) writes to the log; the
email channel mails the person's account address; an SMS gateway subclasses SmsChannel and implements
`send_sms(phone, text)` — the phone is decrypted only there and each use is written to the audit trail.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("dangjian.notices")


class ConsoleChannel:
    def send(self, person, title, body):
        logger.info("notice to %s (%s): %s — %s", person.name, person.pk, title, body)


class EmailChannel:
    def send(self, person, title, body):
        from dangjian.accounts.models import User

        emails = [e for e in User.objects.filter(person=person, is_active=True).values_list("email", flat=True) if e]
        if emails:
            send_mail(title, body, None, emails, fail_silently=True)


class SmsChannel:
    """Base for an SMS gateway: implement send_sms(phone, text)."""

    def send(self, person, title, body):
        from dangjian.audit import chain

        phone = person.get_phone() if person.phone_enc else ""
        if not phone:
            return
        chain.record(chain.AuditEntry.Action.REVEAL, "people.person", person.pk, object_repr=person.name,
                     org_path=person.scope_path, after={"field": "phone", "purpose": "sms notice"})
        self.send_sms(phone, f"{title} {body}".strip())

    def send_sms(self, phone, text):  # pragma: no cover - a deployment provides the gateway
        raise NotImplementedError


DEFAULT = ["dangjian.notices.channels.ConsoleChannel"]


def channels():
    paths = getattr(settings, "NOTICE_CHANNELS", None)
    if paths is None:
        paths = getattr(settings, "MEETING_CHANNELS", None) or DEFAULT
    return [import_string(path)() for path in paths]


def deliver(person, title, body):
    for channel in channels():
        try:
            channel.send(person, title, body)
        except Exception:  # a failing channel must not lose the notice in the platform
            logger.exception("channel %s failed for person %s", type(channel).__name__, person.pk)
