"""The one place where exceptions become HTTP responses with a NeutronError body."""
from __future__ import annotations

import logging

import falcon
import orjson
from sqlalchemy.exc import IntegrityError

from neutrino import exceptions as exc
from neutrino.callbacks import CallbackFailure

LOG = logging.getLogger(__name__)


def _respond(resp: falcon.Response, status: int, type_: str, message: str) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps({"NeutronError": {"type": type_, "message": message, "detail": ""}})


def handle_neutron(req: falcon.Request, resp: falcon.Response, ex: exc.NeutronException,
                   params: dict) -> None:
    if ex.status >= 500:
        LOG.error("%s %s failed: %s", req.method, req.path, ex, exc_info=ex)
    _respond(resp, ex.status, ex.type, ex.msg)


def handle_callback_failure(req: falcon.Request, resp: falcon.Response, ex: CallbackFailure,
                            params: dict) -> None:
    inner = [e for e in ex.inner_exceptions if isinstance(e, exc.NeutronException)]
    if not inner:
        handle_unexpected(req, resp, ex, params)
    elif len({e.status for e in inner}) > 1:
        _respond(resp, 409, "Conflict", "; ".join(e.msg for e in inner))
    else:
        handle_neutron(req, resp, inner[0], params)


def handle_integrity(req: falcon.Request, resp: falcon.Response, ex: IntegrityError,
                     params: dict) -> None:
    # Retries are exhausted: a concurrent request keeps winning the same unique key.
    LOG.warning("%s %s: conflict persisted after retries: %s", req.method, req.path, ex.orig)
    _respond(resp, 409, "Conflict", "The request conflicted with concurrent changes; "
                                    "please retry.")


def handle_http(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError,
                params: dict) -> None:
    status = int(str(ex.status).split()[0]) if not isinstance(ex.status, int) else ex.status
    type_ = {404: "HTTPNotFound", 405: "HTTPMethodNotAllowed", 400: "HTTPBadRequest",
             415: "HTTPUnsupportedMediaType"}.get(status, "HTTPError")
    _respond(resp, status, type_, ex.description or ex.title or "")
    if ex.headers:
        for key, value in ex.headers.items():
            resp.set_header(key, value)


def handle_unexpected(req: falcon.Request, resp: falcon.Response, ex: Exception,
                      params: dict) -> None:
    if isinstance(ex, NotImplementedError):
        resp.status = 501
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps({"NotImplementedError": {"type": "NotImplementedError",
                                                          "message": str(ex), "detail": ""}})
        return
    LOG.exception("%s %s failed", req.method, req.path)
    _respond(resp, 500, "HTTPInternalServerError",
             "Request Failed: internal server error while processing your request.")


def install(app: falcon.App) -> None:
    # Falcon picks the handler of the most specific matching class.
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_http)
    app.add_error_handler(IntegrityError, handle_integrity)
    app.add_error_handler(CallbackFailure, handle_callback_failure)
    app.add_error_handler(exc.NeutronException, handle_neutron)
