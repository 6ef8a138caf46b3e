"""Marshmallow schemas of the API's requests and answers (they make the OpenAPI document)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f, validate as v

from lms.api.cursors import MAX_LIMIT
from lms.certificates.state import STATES


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class Problem(ma.Schema):
    """RFC 9457 problem details."""

    type = f.String(required=True, metadata={"description": "A URN naming the kind of problem"})
    title = f.String(required=True)
    status = f.Integer(required=True)
    detail = f.String(required=True)
    instance = f.String()
    errors = f.List(f.Dict(), metadata={"description": "Field or row errors, when there are any"})


class ListQuery(Strict):
    cursor = f.String(validate=[v.Length(min=1, max=200), v.Regexp(r"^[A-Za-z0-9_-]+$")], metadata={"description": "next_cursor of the previous page"})
    limit = f.Integer(validate=v.Range(1, MAX_LIMIT), load_default=50)


class Course(ma.Schema):
    code = f.String(required=True)
    title_ko = f.String(required=True)
    title_en = f.String(required=True)


class Me(ma.Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    role = f.String(required=True)
    locale = f.String(required=True)


class Enrollment(ma.Schema):
    id = f.Integer(required=True)
    course = f.Nested(Course, required=True)
    status = f.String(required=True, validate=v.OneOf(("active", "completed", "withdrawn")))
    percent = f.Integer(required=True, metadata={"description": "Progress in whole percent, rounded down"})
    modules_done = f.Integer(required=True)
    modules_total = f.Integer(required=True)
    enrolled_at = f.AwareDateTime(required=True)
    completed_at = f.AwareDateTime(allow_none=True, required=True)
    cohort_id = f.Integer(allow_none=True, required=True)


class EnrollmentPage(ma.Schema):
    items = f.List(f.Nested(Enrollment), required=True)
    next_cursor = f.String(allow_none=True, required=True)


# ------------------------------------------------------------------ certificates

class VerifyItem(Strict):
    """A verification code (the QR link's), or a certificate number with the holder's birth
    date or name, exactly what the public /verify page asks for. A code, when given, is what
    is checked; a number whose holder is not given or does not match reads ``not_found``,
    like an unknown number."""

    code = f.String(validate=v.Length(min=1, max=64))
    number = f.String(validate=v.Length(min=1, max=32))
    birth_date = f.Date()
    name = f.String(validate=v.Length(min=1, max=64))


class VerifyBulk(Strict):
    items = f.List(f.Nested(VerifyItem), required=True, validate=v.Length(min=1, max=1000))


class Verification(ma.Schema):
    state = f.String(required=True, validate=v.OneOf(STATES + ("not_found",)))
    label = f.String(required=True, metadata={"description": "The state as the public /verify page words it"})
    message = f.String(required=True)
    number = f.String(allow_none=True, required=True)
    masked_name = f.String(allow_none=True, required=True)
    course_title = f.String(allow_none=True, required=True)
    institution = f.String(allow_none=True, required=True)
    period_start = f.String(allow_none=True, required=True)
    period_end = f.String(allow_none=True, required=True)
    hours = f.Raw(allow_none=True, required=True, metadata={"type": ["number", "string"]})
    issued_on = f.Date(allow_none=True, required=True)
    expires_on = f.Date(allow_none=True, required=True, metadata={"description": "Last valid Korean day"})
    revoked_on = f.Date(allow_none=True, required=True)
    successor_number = f.String(allow_none=True, required=True)


class VerificationResult(Verification):
    index = f.Integer(required=True, metadata={"description": "Position of the item in the request"})


class VerifyBulkResult(ma.Schema):
    count = f.Integer(required=True)
    states = f.Dict(keys=f.String(), values=f.Integer(), required=True)
    results = f.List(f.Nested(VerificationResult), required=True)


# ------------------------------------------------------------------ roster

class RosterRow(Strict):
    name = f.String(required=True, validate=v.Length(min=1, max=200))
    email = f.String(required=True, validate=v.Length(min=3, max=320))
    birth_date = f.String(validate=v.Length(max=32), metadata={"description": "1990-03-15 and the other forms the upload takes"})
    phone = f.String(validate=v.Length(max=64))
    sponsor = f.String(validate=v.Length(max=200), metadata={"description": "Sponsor company (소속회사/후원기업)"})
    student_number = f.String(validate=v.Length(max=64))


class RosterUpsert(Strict):
    rows = f.List(f.Nested(RosterRow), required=True, validate=v.Length(min=1, max=5000))


class RosterResult(ma.Schema):
    cohort_id = f.Integer(required=True)
    rows = f.Integer(required=True)
    invited = f.Integer(required=True, metadata={"description": "New accounts and accounts of elsewhere: invited"})
    updated = f.Integer(required=True)
    unchanged = f.Integer(required=True)


# ------------------------------------------------------------------ labs

class LabSession(ma.Schema):
    id = f.Integer(required=True)
    starts_at = f.AwareDateTime(required=True)
    ends_at = f.AwareDateTime(required=True)
    module_code = f.String(allow_none=True, required=True)
    module_title = f.String(allow_none=True, required=True)
    cohort_id = f.Integer(allow_none=True, required=True)
    capacity = f.Integer(required=True)
    booked = f.Integer(required=True)
    cancelled = f.Boolean(required=True)


class LabSessionPage(ma.Schema):
    items = f.List(f.Nested(LabSession), required=True)
    next_cursor = f.String(allow_none=True, required=True)


class LabBooking(ma.Schema):
    id = f.Integer(required=True)
    session_id = f.Integer(required=True)
    status = f.String(required=True)
    trainee_name = f.String(required=True)
    trainee_email = f.String(required=True)
    created_at = f.AwareDateTime(required=True)
    cancelled_at = f.AwareDateTime(allow_none=True, required=True)


class LabBookingPage(ma.Schema):
    items = f.List(f.Nested(LabBooking), required=True)
    next_cursor = f.String(allow_none=True, required=True)


# ------------------------------------------------------------------ statistics

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class StatsQuery(Strict):
    """The ministry dashboard's filters; months are whole Korean months (YYYY-MM)."""

    from_ = f.String(data_key="from", validate=v.Regexp(MONTH))
    to = f.String(validate=v.Regexp(MONTH))
    region = f.String(validate=v.Length(max=8))
    kind = f.String(validate=v.OneOf(("contract", "smart_lab", "online")))
    institution = f.Integer(validate=v.Range(1, 2**31 - 1))
    course = f.Integer(validate=v.Range(1, 2**31 - 1))


class StatsTable(ma.Schema):
    key = f.String(required=True)
    title = f.String(required=True)
    columns = f.List(f.String(), required=True)
    labels = f.List(f.String(), required=True)
    rows = f.List(f.List(f.Raw(metadata={"type": ["number", "string", "null"]})), required=True,
                  metadata={"description": "Counts of people are multiples of 5 or '<5' (the dashboard's rule)"})


class Stats(ma.Schema):
    filters = f.Dict(keys=f.String(), values=f.String(), required=True)
    headline = f.Dict(required=True)
    tables = f.List(f.Nested(StatsTable), required=True)
