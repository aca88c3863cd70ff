"""Tags of the client book ("vip", "runner"): read them, and make one. A contact's tags
are set on the contact."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import select

from eventplanner.api.calls import api_blueprint, caller, needs_scope
from eventplanner.api.paging import list_page
from eventplanner.api.schemas import AwareDateTime, ListArgs, StrictSchema, page_of
from eventplanner.contacts.models import Tag
from eventplanner.contacts.services import Directory, parse_tags
from eventplanner.errors import InvalidInput, InvalidState, NotFound
from eventplanner.extensions import db

bp = api_blueprint("tags", __name__, "/api/v1/tags",
                   "Labels on contacts, to invite them together. Stored lower-case.")


class TagSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    updated_at = AwareDateTime(dump_only=True)


class TagExists(InvalidState):
    default_message = _l("A tag with this name exists.")


def _tags():
    return select(Tag).where(Tag.workspace_id == caller().workspace_id)


def get_tag(tag_id: int) -> Tag:
    tag = db.session.scalar(_tags().where(Tag.id == tag_id))
    if tag is None:
        raise NotFound()
    return tag


@bp.route("", methods=["GET"])
@needs_scope("contacts:read")
@bp.arguments(ListArgs, location="query")
@bp.response(200, page_of(TagSchema, "Tag"))
def list_tags(args):
    """List the tags"""
    return list_page(_tags(), Tag, args, kind="tag", workspace_id=caller().workspace_id)


@bp.route("/<int:tag_id>", methods=["GET"])
@needs_scope("contacts:read")
@bp.response(200, TagSchema)
def read_tag(tag_id: int):
    """Read a tag"""
    return get_tag(tag_id)


@bp.route("", methods=["POST"])
@needs_scope("contacts:write")
@bp.arguments(TagSchema)
@bp.response(201, TagSchema, headers={"Location": {"schema": {"type": "string"}}})
def create_tag(data):
    """Make a tag"""
    names = parse_tags(data["name"])
    if len(names) != 1 or any(mark in data["name"] for mark in ",;"):
        raise InvalidInput(_l("A tag is one word or phrase without commas."))
    directory = Directory(caller().workspace_id)
    if names[0] in directory.tags:
        raise TagExists()
    tag = directory.tag_list(names)[0]
    db.session.flush()
    return tag, 201, {"Location": url_for("api_tags.read_tag", tag_id=tag.id, _external=True)}
