"""Where the calls domain's encrypted fields live: scopes, bindings and the phone blind index."""

from __future__ import annotations

import crypto
from helpline.keys import KeyService
from helpline.models.calls import DutyShift, HelplineCall

PHONE_INDEX_PURPOSE = "blind-index:phone"


def call_scope(call_id: str) -> str:
    return f"call:{call_id}"


def roster_scope(organisation_id: str) -> str:
    return f"roster:{organisation_id}"


def call_binding(call: HelplineCall, column: str) -> crypto.FieldBinding:
    return call_row_binding(call.organisation_id, call.id, column)


def call_row_binding(organisation_id: str, call_id: str, column: str) -> crypto.FieldBinding:
    return crypto.FieldBinding(
        organisation=organisation_id, table="helpline_calls", column=column, row_id=call_id
    )


def shift_binding(shift: DutyShift) -> crypto.FieldBinding:
    return shift_row_binding(shift.organisation_id, shift.id)


def shift_row_binding(organisation_id: str, shift_id: str) -> crypto.FieldBinding:
    return crypto.FieldBinding(
        organisation=organisation_id, table="duty_shifts", column="phone", row_id=shift_id
    )


def phone_index(keys: KeyService) -> crypto.BlindIndex:
    return crypto.BlindIndex(keys.provider.purpose_key(PHONE_INDEX_PURPOSE), purpose="phone")
