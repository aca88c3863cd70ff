"""The API's setup: flask-smorest with problem documents, and the resources."""


from __future__ import annotations

import http

from flask import Flask, current_app, json
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from eventplanner.api import (
    companies,
    contacts,
    events,
    invitations,
    members,
    outcomes,
    reference,
    tags,
)
from eventplanner.api.calls import BLUEPRINT_PREFIX, SECURITY_SCHEME
from eventplanner.api.problems import PROBLEM_MEDIA_TYPE
from eventplanner.api.schemas import ProblemSchema

API_PREFIX = "/api/v1"
#: The resources, in the order the reference lists them.
BLUEPRINTS = (events.bp, invitations.bp, invitations.check_ins_bp, outcomes.results_bp,
              outcomes.feedback_bp, contacts.bp, companies.bp, tags.bp, members.bp)


class EventplannerApi(Api):
    """flask-smorest's Api, with errors as problem documents: the site's error handlers
    answer for the API's paths (``error_pages``), so none is registered here, and every
    error response is documented as ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_CONTENT_TYPE = PROBLEM_MEDIA_TYPE

    def document(self) -> dict:
        """The OpenAPI document, its tags named as the resources are ("contacts"), not as
        their blueprints ("api_contacts", beside the pages' "contacts")."""
        document = self.spec.to_dict()
        for tag in document.get("tags", []):
            tag["name"] = tag["name"].removeprefix(BLUEPRINT_PREFIX)
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "tags" in operation:
                    operation["tags"] = [name.removeprefix(BLUEPRINT_PREFIX)
                                         for name in operation["tags"]]
        return document

    def _openapi_json(self):
        return current_app.response_class(json.dumps(self.document()),
                                          mimetype="application/json")

    def _register_error_handlers(self) -> None:
        """The site's handlers answer (``error_pages``)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_api(app: Flask) -> Api:
    app.config.update(
        API_TITLE="eventplanner API", API_VERSION="1", OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX, OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Events, their parts, guests and their answers, "
                                    "check-ins, results and feedback, and the client book, "
                                    "for other systems. See /api/v1/docs."},
            "servers": [{"url": app.config["BASE_URL"]}],
        })
    api = EventplannerApi(app)
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "An API token (`ep_...`) made by an admin under Team > API tokens."})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(reference.bp)
    return api
