"""Guest page versions: one counter per event, moved in the same transaction as every change
to a row that the event's guest pages show. The guest page cache keys on it (``views``).

What a guest page of event E shows, and so what moves E's counter:

- E, its parts, every invitation to E with its answers, goals and results (the waiting
  line, the published results), and the contacts invited to E (their names);
- E's questions with their choices, and the guests' answers to them;
- the guest's host: E's hosts, the members who host it (name and phone), and the account
  managers of the contacts and companies invited (a guest's host by default);
- for "your best time so far", "last time you aimed for" and "personal best", the parts,
  results, goals and invitations of the other editions in E's series.

So a change to a row that belongs to event F moves the counter of F and of every edition
in F's series; a change to a contact moves it for every event the contact is invited to,
with their series. ``WATCHED`` names the tables; a test renders pages and fails if one reads
a table that is not watched.

How the changes are found, whatever way they are made through the session:

- objects the unit of work inserts, changes or deletes (``after_flush`` notes their keys;
  a deleted row, or one that moves to another event, is looked up before the flush while
  it is still there);
- bulk UPDATE and DELETE statements (``do_orm_execute``), looked up by their WHERE clause
  or the primary keys they are given, and bulk INSERTs by the keys they refer to.

Writes that bypass the session (a raw connection, a textual SQL statement, another
program) are not seen: the app writes only through ``db.session``'s statements.

At commit, one statement moves the counters (``version = version + 1``, so two
transactions never lose a bump), in event id order and after every other lock the
transaction takes, so that two transactions cannot deadlock on them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import Select, bindparam, inspect, literal_column, or_, select, true, union
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.interfaces import MANYTOONE

from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.events.models import Activity, Event, EventHost, GuestPageVersion
from eventplanner.goals.models import Goal, Result
from eventplanner.invitations.models import Invitation, Response
from eventplanner.questions.models import Question, QuestionAnswer, QuestionChoice


def _events_of_events(criterion) -> Select:
    return select(Event.id).where(criterion)


def _events_of_parts(criterion) -> Select:
    return select(Activity.event_id).where(criterion)


def _events_of_invitations(criterion) -> Select:
    return select(Invitation.event_id).where(criterion)


def _events_of_contacts(criterion) -> Select:
    return select(Invitation.event_id).join(Contact, Contact.id == Invitation.contact_id) \
        .where(criterion)


def _events_of_questions(criterion) -> Select:
    return select(Question.event_id).where(criterion)


def _events_of_choices(criterion) -> Select:
    return select(Question.event_id).join(QuestionChoice,
                                          QuestionChoice.question_id == Question.id) \
        .where(criterion)


def _events_of_companies(criterion) -> Select:
    return select(Invitation.event_id).join(Contact, Contact.id == Invitation.contact_id) \
        .join(Company, Company.id == Contact.company_id).where(criterion)


def _events_of_hosts(criterion) -> Select:
    return select(EventHost.event_id).where(criterion)


def _events_hosted_by(criterion) -> Select:
    return select(EventHost.event_id).join(Organiser, Organiser.id == EventHost.organiser_id) \
        .where(criterion)


def _events_through_invitation(model):
    def events_of(criterion) -> Select:
        return select(Invitation.event_id).join(model, model.invitation_id == Invitation.id) \
            .where(criterion)
    return events_of


#: Every table a guest page reads, with the events whose pages show a row of it: a query
#: of event ids given a condition on the table's rows.
WATCHED = {
    Event: _events_of_events,
    Activity: _events_of_parts,
    Invitation: _events_of_invitations,
    Contact: _events_of_contacts,
    Company: _events_of_companies,
    EventHost: _events_of_hosts,
    Organiser: _events_hosted_by,
    Response: _events_through_invitation(Response),
    Goal: _events_through_invitation(Goal),
    Result: _events_through_invitation(Result),
    Question: _events_of_questions,
    QuestionChoice: _events_of_choices,
    QuestionAnswer: _events_through_invitation(QuestionAnswer),
}
_MODEL_OF_TABLE = {model.__table__: model for model in WATCHED}
#: A new event, contact, company or account is on no page until a part, an invitation or a
#: host refers to it (and that row, new too, moves the counters); an import of 5,000
#: contacts moves none.
_ROOTS = (Event, Contact, Company, Organiser)
#: Rows that name their event in their primary key: never moved, found without a query.
_KEYED_BY_EVENT = (EventHost,)

#: Columns no guest page shows: a change to these alone moves no counter. A guest's first
#: visit notes ``opened_at``, and must not make every other guest's page render again; the
#: answer lock on SQLite rewrites ``event.updated_at``; a results email notes ``emailed_at``.
UNSHOWN = frozenset({Invitation.__table__.c.opened_at, Invitation.__table__.c.updated_at,
                     Event.__table__.c.updated_at, Result.__table__.c.emailed_at,
                     EventHost.__table__.c.briefing_sent_at, EventHost.__table__.c.added_at}
                    | {column for column in Organiser.__table__.c
                       if column.key not in ("name", "phone")}
                    | {column for column in Company.__table__.c
                       if column.key != "account_manager_id"})

_EVENT_IDS = "guest_page_event_ids"  # session.info: events resolved so far
_KEYS = "guest_page_keys"  # session.info: model -> primary keys, resolved at commit


def watch_guest_page_rows(session_factory) -> None:
    """Listen to the sessions of ``session_factory`` (``db.session``). Idempotent."""
    from sqlalchemy import event

    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("do_orm_execute", _bulk_statement),
                           ("before_commit", _before_commit),
                           ("after_transaction_end", _after_transaction_end)):
        if not event.contains(session_factory, name, listener):
            event.listen(session_factory, name, listener)


# --- finding the events ----------------------------------------------------------------

def _editions_of(event_ids) -> Select:
    """The events ``event_ids`` (a query) and every edition in their series."""
    series = select(Event.series_id).where(Event.id.in_(event_ids)).correlate(None)
    return select(Event.id).where(or_(Event.id.in_(event_ids), Event.series_id.in_(series))) \
        .correlate(None)


def _touched(conditions: Iterable[tuple[type, object]], event_ids: Iterable[int] = ()):
    """Event ids (a query) whose rows meet the conditions, plus ``event_ids``."""
    queries = [WATCHED[model](condition).correlate(None) for model, condition in conditions]
    event_ids = sorted(event_ids)
    if event_ids:
        queries.append(select(Event.id).where(Event.id.in_(event_ids)).correlate(None))
    return union(*queries) if len(queries) > 1 else queries[0] if queries else None


def _resolve_now(session: Session, conditions: list[tuple[type, object]]) -> None:
    """Note the events (with their series) of rows as they are now, before they change."""
    touched = _touched(conditions)
    if touched is None:
        return
    found = session.connection().execute(_editions_of(touched))
    session.info.setdefault(_EVENT_IDS, set()).update(found.scalars())


def _note_keys(session: Session, model: type, keys: Iterable[int]) -> None:
    keys = set(keys)
    if keys:
        session.info.setdefault(_KEYS, {}).setdefault(model, set()).update(keys)


def _by_id(model: type, objects) -> object:
    return model.id.in_(sorted(obj.id for obj in objects))


def _by_model(objects) -> dict[type, list]:
    grouped: dict[type, list] = {}
    for obj in objects:
        grouped.setdefault(type(obj), []).append(obj)
    return grouped


def _watched(objects) -> list:
    return [obj for obj in objects if type(obj) in WATCHED]


def _shown_change(obj) -> bool:
    """Whether a changed object changed anything but ``UNSHOWN`` columns."""
    state = inspect(obj)
    for attribute in state.mapper.attrs:
        if not state.attrs[attribute.key].history.has_changes():
            continue
        columns = getattr(attribute, "columns", ())
        if not columns or not all(column in UNSHOWN for column in columns):
            return True
    return False


def _moves(obj) -> bool:
    """Whether a changed object moves to another event, contact or invitation (a changed
    foreign key), so the events it showed on before must be found before the flush: an
    event that changes series, say, leaves the pages of the editions of its old series."""
    state = inspect(obj)
    keys = [r.key for r in state.mapper.relationships if r.direction is MANYTOONE] + [
        c.key for c in state.mapper.column_attrs if any(col.foreign_keys for col in c.columns)]
    return any(state.attrs[key].history.has_changes() for key in keys)


# --- the session's hooks ---------------------------------------------------------------

def _before_flush(session: Session, flush_context, instances) -> None:
    going = _watched(session.deleted) + [
        obj for obj in _watched(session.dirty) if _moves(obj)]
    keyed = [obj for obj in going if isinstance(obj, _KEYED_BY_EVENT)]
    session.info.setdefault(_EVENT_IDS, set()).update(obj.event_id for obj in keyed)
    going = [obj for obj in going if not isinstance(obj, _KEYED_BY_EVENT)]
    _resolve_now(session, [(model, _by_id(model, objects))
                           for model, objects in _by_model(going).items()])


def _after_flush(session: Session, flush_context) -> None:
    changed = [obj for obj in _watched(session.new) if not isinstance(obj, _ROOTS)] + [
        obj for obj in _watched(session.dirty)
        if session.is_modified(obj) and _shown_change(obj)]
    known = session.info.setdefault(_EVENT_IDS, set())
    for model, objects in _by_model(changed).items():
        unknown = []
        for obj in objects:
            event_id = _event_id_in_session(session, obj)
            if event_id is None:
                unknown.append(obj)
            else:
                known.add(event_id)
        _note_keys(session, model, (obj.id for obj in unknown))


def _event_id_in_session(session: Session, obj) -> int | None:
    """The event a row just written belongs to, when the session holds it without a
    query: an event's id, a part's, an invitation's or a question's own column, the
    question (in the session) of a choice, or the invitation (in the session) of an
    answer, a goal or a result. Else None (a contact; a row whose
    invitation the session does not hold): it is looked up at commit."""
    if isinstance(obj, Event):
        return obj.id
    if isinstance(obj, Activity | Invitation | EventHost | Question):
        return obj.event_id
    if isinstance(obj, QuestionChoice):
        question = session.identity_map.get(session.identity_key(Question, obj.question_id))
        return question.event_id if question is not None else None
    if isinstance(obj, Contact | Company | Organiser):  # every event they are guests of or host
        return None
    invitation = session.identity_map.get(
        session.identity_key(Invitation, obj.invitation_id))
    return invitation.event_id if invitation is not None else None


def _bulk_statement(state: ORMExecuteState):
    """An INSERT, UPDATE or DELETE statement run through the session: note the events of
    the rows it changes. Returns its result when it had to run it here."""
    if state.is_select or not (state.is_update or state.is_delete or state.is_insert):
        return None
    statement = state.statement
    model = _MODEL_OF_TABLE.get(getattr(statement, "table", None))
    if model is None:
        return None
    rows = state.parameters if isinstance(state.parameters, list) else [
        state.parameters or {}]
    if state.is_insert:
        return _resolve_after(state, model, _rows_referred_to(model, statement, rows))
    columns = _set_columns(model, statement, rows) if state.is_update else set()
    if state.is_update and columns <= UNSHOWN:
        return None
    if statement.whereclause is not None:
        condition = statement.whereclause
    elif rows and all("id" in row for row in rows):  # bulk UPDATE by primary key
        condition = model.id.in_(sorted(row["id"] for row in rows))
    else:
        condition = true()
    _resolve_now(state.session, [(model, condition)])
    if any(column.foreign_keys for column in columns):  # rows move: where to, too
        return _resolve_after(state, model, condition)
    return None


def _set_columns(model: type, statement, rows: list[dict]) -> set:
    """The columns an UPDATE sets (from its VALUES, or the keys of its rows)."""
    table = model.__table__
    names = {getattr(key, "key", key) for key in getattr(statement, "_values", None) or {}}
    names |= {key for row in rows for key in row if key != "id"}
    if not names or any(name not in table.c for name in names):
        return set(table.c)  # what we cannot name counts as shown
    return {table.c[name] for name in names}


def _rows_referred_to(model: type, statement, rows: list[dict]):
    """A condition met by the rows a bulk INSERT writes: the rows of the same events (or
    invitations). A new row that belongs to neither (a contact, an event) is on no page
    until something that is (an invitation, a part) refers to it."""
    table = model.__table__
    values = [dict(row) for row in rows]
    for key, value in (getattr(statement, "_values", None) or {}).items():
        for row in values:
            row[getattr(key, "key", key)] = getattr(value, "value", value)
    for name in ("event_id", "invitation_id"):
        if name in table.c and any(name in row for row in values):
            return table.c[name].in_(sorted({row[name] for row in values if name in row}))
    return None


def _resolve_after(state: ORMExecuteState, model: type, condition):
    """Run the statement, then note the events of the rows it wrote."""
    result = state.invoke_statement()
    if condition is not None:
        _resolve_now(state.session, [(model, condition)])
    return result


def _before_commit(session: Session) -> None:
    """The last flush of the transaction (nothing else listens to ``before_commit``, so
    the commit finds the session clean and flushes no more), then the bump."""
    if session.in_nested_transaction():  # a savepoint: the transaction goes on
        return
    session.flush()
    _bump(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        for key in (_EVENT_IDS, _KEYS):
            session.info.pop(key, None)


def _bump(session: Session) -> None:
    """Move the counters of every event noted so far and of their editions: one
    statement, built once per database, after one query for the events of rows noted by
    key (a contact's, say) when there are any."""
    event_ids = session.info.pop(_EVENT_IDS, set())
    keys = session.info.pop(_KEYS, {})
    connection = session.connection()
    if keys:
        found = _touched([(model, model.id.in_(sorted(ids))) for model, ids in keys.items()])
        event_ids |= set(connection.execute(found).scalars())
    if event_ids:
        connection.execute(_bump_statement(connection.dialect.name),
                           {"event_ids": sorted(event_ids)})


@functools.lru_cache(maxsize=2)
def _bump_statement(dialect_name: str):
    """``version = version + 1`` for the events ``event_ids`` and their editions, in
    event id order (a row per event with none yet)."""
    editions = _editions_of(select(Event.id).where(
        Event.id.in_(bindparam("event_ids", expanding=True))))
    rows = select(Event.id, literal_column("1")).where(Event.id.in_(editions)).order_by(Event.id)
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    return insert(GuestPageVersion).from_select(["event_id", "version"], rows) \
        .on_conflict_do_update(index_elements=[GuestPageVersion.event_id],
                               set_={"version": GuestPageVersion.version + 1})
