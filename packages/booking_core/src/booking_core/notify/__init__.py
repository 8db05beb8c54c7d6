"""Notifications: the dispatcher that sends the outbox, its senders, and provider calendar feeds.

- ``run_dispatcher(uow, once=False, stop_event=None)``: ``booking notify run [--once]``.
- ``start_background_dispatcher(uow) -> stop``: the background thread inside ``booking serve``.
- ``list_notifications``: the owner's view (``GET /api/admin/notifications?status=failed``).
- ``issue_feed_token`` / ``revoke_feed_token`` / ``provider_feed``: the .ics calendar feed.

Messages are queued by ``booking_core.services.outbox`` in the booking's own transaction.
"""

from booking_core.notify.dispatcher import (
    Dispatcher,
    DispatchReport,
    run_dispatcher,
    start_background_dispatcher,
)
from booking_core.notify.feed import (
    FeedToken,
    feed_path,
    feed_url,
    issue_feed_token,
    provider_feed,
    revoke_feed_token,
)
from booking_core.notify.senders import (
    LogSender,
    NotifyConfigError,
    OutgoingMessage,
    SendError,
    Senders,
    SmtpSender,
    TwilioSender,
    build_senders,
    default_outbox_file,
)
from booking_core.notify.status import (
    MAX_LIST as MAX_NOTIFICATIONS_LISTED,
)
from booking_core.notify.status import (
    NotificationRecord,
    count_by_status,
    list_notifications,
)

__all__ = [
    "MAX_NOTIFICATIONS_LISTED",
    "DispatchReport",
    "Dispatcher",
    "FeedToken",
    "LogSender",
    "NotificationRecord",
    "NotifyConfigError",
    "OutgoingMessage",
    "SendError",
    "Senders",
    "SmtpSender",
    "TwilioSender",
    "build_senders",
    "count_by_status",
    "default_outbox_file",
    "feed_path",
    "feed_url",
    "issue_feed_token",
    "list_notifications",
    "provider_feed",
    "revoke_feed_token",
    "run_dispatcher",
    "start_background_dispatcher",
]
