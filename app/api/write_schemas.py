"""The bodies the API's two writing endpoints take and what they answer (marshmallow: they
validate and describe). A record's own faults (an unknown field, no name) are the import's
to report per record, so the account record schema lets them through to it."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from app.distribution.result_terms import LostReason, ResultOutcome
from app.imports.intake import MAX_RECORDS
from app.imports.intake_checks import SENT_FIELDS

TEXT_OR_NUMBER = {"type": ["string", "number", "null"]}


class AccountRecordSchema(Schema):
    """One account as the import reads a file's row: the import's fields by name."""

    class Meta:
        unknown = INCLUDE  # refused per record, with the others still landing

    locals().update(
        {name: fields.Raw(allow_none=True, metadata=TEXT_OR_NUMBER) for name in SENT_FIELDS}
    )


class AccountsInSchema(Schema):
    records = fields.List(
        fields.Nested(AccountRecordSchema),
        required=True,
        validate=validate.Length(1, MAX_RECORDS),
        metadata={"description": f"1 to {MAX_RECORDS:,} accounts; `external_id` is yours"},
    )


class MessageSchema(Schema):
    kind = fields.String(required=True)
    code = fields.String(required=True)
    field = fields.String(allow_none=True, required=True)
    text = fields.String(required=True)


class RecordOutSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "From 0, as sent"})
    external_id = fields.String(allow_none=True, required=True)
    account_key = fields.String(allow_none=True, required=True)
    action = fields.String(
        required=True,
        metadata={"enum": ["created", "updated", "merged", "held_for_review", "rejected"]},
    )
    messages = fields.List(fields.Nested(MessageSchema), required=True)


class IntakeOutSchema(Schema):
    batch_id = fields.Integer(required=True, metadata={"description": "The import batch"})
    source = fields.String(required=True)
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    records = fields.List(fields.Nested(RecordOutSchema), required=True)


class ResultInSchema(Schema):
    account_key = fields.String(validate=validate.Length(1, 32))
    vat_number = fields.String(
        validate=validate.Length(1, 20),
        metadata={"description": "When the key is not known: the account with this VAT number"},
    )
    outcome = fields.String(
        required=True, validate=validate.OneOf([o.value for o in ResultOutcome])
    )
    occurred_on = fields.Date(allow_none=True, metadata={"description": "Required for a sale"})
    vehicles = fields.Integer(allow_none=True, validate=validate.Range(1, 100_000))
    value = fields.Decimal(
        allow_none=True, places=2, as_string=True, validate=lambda v: 0 <= v < 10**12,
        metadata={"description": "EUR, for a sale"},
    )  # fmt: skip
    reason = fields.String(allow_none=True, validate=validate.OneOf([r.value for r in LostReason]))
    notes = fields.String(allow_none=True, validate=validate.Length(max=1_000))
    external_ref = fields.String(
        allow_none=True,
        validate=validate.Length(1, 120),
        metadata={"description": "Your id for it: sent again, nothing is recorded twice"},
    )


class ResultOutSchema(Schema):
    id = fields.Integer(required=True)
    account_key = fields.String(required=True)
    outcome = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    vehicles = fields.Integer(allow_none=True, required=True)
    value = fields.Decimal(allow_none=True, places=2, as_string=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    source = fields.String(required=True)
    external_ref = fields.String(allow_none=True, required=True)
