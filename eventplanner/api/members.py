"""The workspace's members, so that a CRM can map its owners to ``account_manager_id``."""

from __future__ import annotations

from marshmallow import RAISE, fields, validate
from sqlalchemy import select

from eventplanner.api.calls import api_blueprint, caller, needs_scope
from eventplanner.api.paging import list_page
from eventplanner.api.schemas import MAX_LIMIT, StrictSchema, page_of
from eventplanner.auth.models import Membership, Organiser, Role
from eventplanner.extensions import db

bp = api_blueprint("members", __name__, "/api/v1/members",
                   "The members of the workspace (read only): who can be a contact's or a "
                   "company's account manager.")


class MemberSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    role = fields.Enum(Role, by_value=True, dump_only=True)


class MemberListArgs(StrictSchema):
    limit = fields.Integer(load_default=MAX_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": "Items per page (1-1000)."})
    cursor = fields.String(validate=validate.Length(max=500),
                           metadata={"description": "The `next_cursor` of the page before."})


@bp.route("", methods=["GET"])
@needs_scope("contacts:read")
@bp.arguments(MemberListArgs, location="query", unknown=RAISE)
@bp.response(200, page_of(MemberSchema, "Member"))
def list_members(args):
    """List the members

    By id, with their role. A member's `id` is what `account_manager_id` takes.
    """
    workspace_id = caller().workspace_id
    query = select(Organiser).join(Membership, Membership.organiser_id == Organiser.id) \
        .where(Membership.workspace_id == workspace_id)
    page = list_page(query, Organiser, args, kind="member", workspace_id=workspace_id,
                     changed_at=Organiser.id)
    roles = dict(db.session.execute(
        select(Membership.organiser_id, Membership.role).where(
            Membership.workspace_id == workspace_id,
            Membership.organiser_id.in_([member.id for member in page["data"]]))).all())
    page["data"] = [{"id": member.id, "name": member.name, "email": member.email,
                     "role": roles[member.id]} for member in page["data"]]
    return page
