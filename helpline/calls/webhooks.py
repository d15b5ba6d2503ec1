"""HTTP for Twilio's voice webhooks. Reached only through ``routes.twilio_webhook``, which has
already verified the signature and left the parameters in ``request.state.twilio_params``."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from helpline import clock
from helpline.calls import repository, telephony, twilio
from helpline.calls.recorder import CallRecorder, IncomingCall
from helpline.calls.twilio import Urls
from helpline.models.calls import HelplineCall

log = logging.getLogger("helpline.calls.webhooks")


def _deps(request: Request) -> telephony.Deps:
    return telephony.Deps(
        db=request.state.db,
        keys=request.app.state.keys,
        context=request.state.audit,
        now=clock.now(),
    )


def _twiml(xml: str) -> Response:
    return Response(xml, media_type="application/xml")


def _urls(request: Request) -> Urls:
    return Urls.under(request.app.state.settings.public_base_url)


def _unrouted(request: Request, line: str | None) -> Response:
    # Our own public number, not caller data: safe to log, and the operator needs it.
    log.error("request %s: call to an unmapped helpline number %s", request.state.request_id, line)
    return _twiml(twilio.unrouted())


async def _find_call(deps: telephony.Deps, line: str, sid: str) -> HelplineCall | None:
    organisation_id = await telephony.bind_line(deps, twilio.line_number(line))
    if organisation_id is None:
        return None
    return await repository.call_by_sid(deps.db, organisation_id, sid)


async def voice(request: Request) -> Response:
    params = request.state.twilio_params
    sid = twilio.call_sid(params)
    line = twilio.line_number(twilio.single(params, "To"))
    caller = twilio.caller_number(twilio.single(params, "From", required=False))
    if line is None:
        return _unrouted(request, line)
    recorder: CallRecorder = request.app.state.call_recorder
    answer = await recorder.record(
        IncomingCall(
            line=line, sid=sid, caller=caller, received_at=clock.now(),
            request_id=request.state.request_id,
        )
    )
    if answer.organisation_id is None:
        return _unrouted(request, line)
    if answer.foreign:
        # Cannot happen with Twilio's unique CallSids; should it, the caller still gets through
        # (without the callback offer, which needs a recorded call).
        log.error("request %s: CallSid already recorded elsewhere", request.state.request_id)
    xml = twilio.answer(
        duty_phones=answer.duty_phones, line=line, withheld=not answer.can_call_back,
        urls=_urls(request),
    )
    return _twiml(xml)


async def status(request: Request) -> Response:
    """Status callbacks of the call (To is our number) and of the officers' legs of the dial
    (ParentCallSid set; From is our number, which the dial presents as caller id)."""
    params = request.state.twilio_params
    sid = twilio.call_sid(params)
    parent = twilio.single(params, "ParentCallSid", required=False)
    twilio_status = twilio.single(params, "CallStatus").lower()
    if parent:
        parent = twilio.call_sid(params, "ParentCallSid")
    deps = _deps(request)
    line = twilio.single(params, "From" if parent else "To")
    call = await _find_call(deps, line, parent or sid)
    if call is None:  # unknown call: a harmless no-op
        return Response(status_code=204)
    if parent:
        await telephony.leg_status(deps, call, leg_sid=sid, twilio_status=twilio_status)
    else:
        duration = twilio.single(params, "CallDuration", required=False)
        await telephony.call_status(deps, call, twilio_status=twilio_status, duration=duration)
    return Response(status_code=204)


async def dial_result(request: Request) -> Response:
    params = request.state.twilio_params
    sid = twilio.call_sid(params)
    dial_status = twilio.single(params, "DialCallStatus").lower()
    deps = _deps(request)
    call = await _find_call(deps, twilio.single(params, "To"), sid)
    if call is None:
        return _twiml(twilio.after_gather(accepted=False))
    duration = twilio.single(params, "DialCallDuration", required=False)
    answered = await telephony.dial_result(deps, call, dial_status=dial_status, duration=duration)
    withheld = call.caller_number is None
    return _twiml(twilio.after_dial(answered=answered, withheld=withheld, urls=_urls(request)))


async def gather(request: Request) -> Response:
    params = request.state.twilio_params
    sid = twilio.call_sid(params)
    digits = twilio.single(params, "Digits", required=False)
    deps = _deps(request)
    call = await _find_call(deps, twilio.single(params, "To"), sid)
    accepted = call is not None and digits == "1" and await telephony.request_callback(deps, call)
    return _twiml(twilio.after_gather(accepted=accepted))
