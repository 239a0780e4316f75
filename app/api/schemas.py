"""The API's request and response schemas (marshmallow): they validate the queries and
bodies and, through apispec, are the OpenAPI description (one source of truth)."""

from __future__ import annotations

from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT


class ProblemSchema(Schema):
    """RFC 9457: every error under /api/v1."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per location and field, what is wrong"})
    scope = fields.String(allow_none=True, metadata={"description": "The scope missing"})


class ListQuery(Schema):
    """Every list: a page at a time, in a stable order; ``next_cursor`` reads the next."""

    class Meta:
        unknown = EXCLUDE

    cursor = fields.String(metadata={"description": "next_cursor of the previous page"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))


def plausible_time(value: datetime) -> None:
    """Years far off are refused before any arithmetic on them can overflow."""
    if not 1900 <= value.year <= 9000:
        raise ValidationError("Give a time between the years 1900 and 9000.")


class ChangedQuery(ListQuery):
    changed_since = fields.AwareDateTime(
        validate=plausible_time,
        metadata={"description": "Only what changed at or after this time (ISO 8601 with offset)"},
    )


class AccountQuery(ChangedQuery):
    vat_number = fields.String(
        validate=validate.Length(1, 20), metadata={"description": "Accounts with this VAT number"}
    )
    external_id = fields.String(
        validate=validate.Length(1, 100),
        metadata={"description": "Accounts an integration sent with this external_id"},
    )


class CallQuery(ChangedQuery):
    campaign = fields.String(validate=validate.Length(1, 32), metadata={"description": "Code"})


class WaveAccountQuery(ListQuery):
    salesperson = fields.String(
        validate=validate.Length(1, 16), metadata={"description": "Only this salesperson's (code)"}
    )


class PageSchema(Schema):
    next_cursor = fields.String(
        allow_none=True, required=True, metadata={"description": "None on the last page"}
    )


class PhoneSchema(Schema):
    number = fields.String(attribute="e164", allow_none=True, required=True)
    raw = fields.String(required=True)
    kind = fields.String(required=True)


class AccountSchema(Schema):
    key = fields.String(required=True, metadata={"description": "Qualifica's stable key"})
    company_name = fields.String(required=True)
    legal_form = fields.String(allow_none=True, required=True)
    vat_number = fields.String(allow_none=True, required=True)
    tax_code = fields.String(allow_none=True, required=True)
    street = fields.String(allow_none=True, required=True)
    house_number = fields.String(allow_none=True, required=True)
    postcode = fields.String(allow_none=True, required=True)
    municipality = fields.String(allow_none=True, required=True)
    province = fields.String(allow_none=True, required=True)
    istat_code = fields.String(allow_none=True, required=True)
    email = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    do_not_call = fields.Boolean(required=True)
    zone_id = fields.Integer(allow_none=True, required=True)
    dealer_id = fields.Integer(allow_none=True, required=True)
    salesperson_id = fields.Integer(allow_none=True, required=True)
    merged_into = fields.String(allow_none=True, required=True,
                                metadata={"description": "The key it was merged into"})  # fmt: skip
    anonymised_at = fields.AwareDateTime(allow_none=True, required=True)
    phones = fields.List(fields.Nested(PhoneSchema), required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class AccountPageSchema(PageSchema):
    items = fields.List(fields.Nested(AccountSchema), required=True)


class CampaignSchema(Schema):
    """A campaign and its figures, as the board defines them (docs/metrics.md)."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    practice = fields.Boolean(required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)
    target = fields.Float(allow_none=True, required=True)
    base = fields.Integer(required=True)
    waiting = fields.Integer(required=True)
    final = fields.Integer(required=True)
    qualified = fields.Integer(required=True)
    attempts = fields.Integer(required=True)
    redemption = fields.Float(allow_none=True, required=True)
    contact_rate = fields.Float(allow_none=True, required=True)
    attempts_per_account = fields.Float(allow_none=True, required=True)
    average_handling_seconds = fields.Float(allow_none=True, required=True)
    updated_at = fields.AwareDateTime(required=True)


class CampaignPageSchema(PageSchema):
    items = fields.List(fields.Nested(CampaignSchema), required=True)


class CallSchema(Schema):
    id = fields.Integer(required=True)
    campaign = fields.String(required=True, metadata={"description": "The campaign's code"})
    account = fields.String(required=True, metadata={"description": "The account's key"})
    agent_id = fields.Integer(required=True)
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    outcome = fields.String(allow_none=True, required=True)
    final = fields.Boolean(required=True)
    horizon_months = fields.Integer(allow_none=True, required=True)
    answers = fields.Dict(required=True, metadata={"description": "Captured answers by field"})
    notes = fields.String(allow_none=True, required=True)


class CallPageSchema(PageSchema):
    items = fields.List(fields.Nested(CallSchema), required=True)


class WaveSchema(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    status = fields.String(required=True)
    per_salesperson = fields.Integer(required=True)
    zone_id = fields.Integer(allow_none=True, required=True)
    confirmed_at = fields.AwareDateTime(allow_none=True, required=True)
    sent_at = fields.AwareDateTime(allow_none=True, required=True)
    cancelled_at = fields.AwareDateTime(allow_none=True, required=True)
    accounts = fields.Integer(required=True, metadata={"description": "Accounts in the wave"})
    updated_at = fields.AwareDateTime(required=True)


class WavePageSchema(PageSchema):
    items = fields.List(fields.Nested(WaveSchema), required=True)


class WaveAccountSchema(Schema):
    id = fields.Integer(required=True)
    account = fields.String(required=True, metadata={"description": "The account's key"})
    salesperson = fields.String(required=True, metadata={"description": "Salesperson's code"})
    salesperson_id = fields.Integer(required=True)
    horizon = fields.String(required=True)
    source = fields.String(required=True)
    position = fields.Integer(required=True)


class WaveAccountPageSchema(PageSchema):
    items = fields.List(fields.Nested(WaveAccountSchema), required=True)


class ExportFileSchema(Schema):
    name = fields.String(required=True)
    salesperson = fields.String(allow_none=True, required=True)
    url = fields.String(required=True)
    bytes = fields.Integer(allow_none=True, required=True)
    sha256 = fields.String(allow_none=True, required=True)


class ExportSchema(Schema):
    id = fields.Integer(required=True)
    wave_id = fields.Integer(required=True)
    status = fields.String(required=True)
    locale = fields.String(required=True)
    finished_at = fields.AwareDateTime(allow_none=True, required=True)
    updated_at = fields.AwareDateTime(required=True)
    files = fields.List(fields.Nested(ExportFileSchema), required=True)


class ExportPageSchema(PageSchema):
    items = fields.List(fields.Nested(ExportSchema), required=True)
