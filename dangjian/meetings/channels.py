"""Moved to dangjian.notices.channels (settings.NOTICE_CHANNELS); these names stay so that settings naming
"dangjian.meetings.channels.EmailChannel" and the like keep working."""

from dangjian.notices.channels import ConsoleChannel, EmailChannel, SmsChannel, channels, deliver  # noqa: F401
