"""The delivery statuses as people read them."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.webhooks.models import DeliveryStatus

STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("pending"),
    DeliveryStatus.FAILED: _l("failed, will retry"),
    DeliveryStatus.DELIVERED: _l("delivered"),
    DeliveryStatus.GAVE_UP: _l("gave up"),
}


def delivery_status_label(status: DeliveryStatus) -> str:
    return str(STATUS_LABELS[status])


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"delivery_status_label": delivery_status_label}
