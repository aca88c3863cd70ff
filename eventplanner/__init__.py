"""eventplanner: client events with parts, personal RSVP links, goals, results and feedback."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from config import CONFIGS, Config

from .extensions import babel, csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | type[Config] | None = None) -> Flask:
    """Build the application.

    ``config`` is a name from ``config.CONFIGS`` ("development", "testing", "production"),
    a config class, or None to read the name from ``EVENTPLANNER_CONFIG`` (default
    "development").
    """
    import os

    if config is None:
        config = os.environ.get("EVENTPLANNER_CONFIG", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    from .urls import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.from_object(config_class)
    config_class.finalise(app.config)
    from .webhooks.delivery import check_timing

    check_timing(app.config)  # a claim on a webhook delivery outlasts an attempt
    from .sessions import CachedSigningSessions

    app.session_interface = CachedSigningSessions()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A server can drop idle connections; a file database cannot.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}

    _init_extensions(app)
    from .logs import init_logging
    from .security import init_security

    init_logging(app)  # the request log wraps the app first, so ProxyFix comes outside it
    init_security(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from .invitations.event_changes import connect_event_changes

    connect_event_changes(app)  # guests hear about the edits of events.services
    from .seating.following import connect_seating

    connect_seating(app)  # table plans follow the answers and the parts
    from .webhooks.following import connect_webhooks

    connect_webhooks(app)  # other systems hear of answers, check-ins, feedback...

    from .cli import register_commands
    from .error_pages import register_error_handlers
    from .permissions import add_template_helpers, remember_workspace_at_login

    register_error_handlers(app)
    add_template_helpers(app)
    remember_workspace_at_login(app)
    register_commands(app)
    _add_health_check(app)
    return app


def _add_health_check(app: Flask) -> None:
    """``/healthz`` for a load balancer or container: 200 when the database answers."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    @app.get("/healthz")
    def health():
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            db.session.rollback()
            app.logger.warning("health check failed: %s", type(error).__name__)
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}


def _init_extensions(app: Flask) -> None:
    # Import the models so that the metadata knows every table (migrations, create_all).
    from .api import models as _api_models  # noqa: F401
    from .audit import models as _audit_models  # noqa: F401
    from .auth import models as _auth_models  # noqa: F401
    from .calendar import models as _calendar_models  # noqa: F401
    from .checkin import models as _checkin_models  # noqa: F401
    from .contacts import models as _contact_models  # noqa: F401
    from .deletions import models as _deletion_models  # noqa: F401
    from .events import models as _event_models  # noqa: F401
    from .feedback import models as _feedback_models  # noqa: F401
    from .gifts import models as _gift_models  # noqa: F401
    from .goals import models as _goal_models  # noqa: F401
    from .inbox import models as _inbox_models  # noqa: F401
    from .invitations import models as _invitation_models  # noqa: F401
    from .mail import models as _mail_models  # noqa: F401
    from .questions import models as _question_models  # noqa: F401
    from .seating import models as _seating_models  # noqa: F401
    from .uploads import models as _upload_models  # noqa: F401
    from .webhooks import models as _webhook_models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_organiser(login_token: str):
        from .auth.services import organiser_logged_in_with
        from .permissions import WORKSPACE_KEY

        return organiser_logged_in_with(login_token, session.get(WORKSPACE_KEY))

    babel.init_app(app, locale_selector=select_locale)


def select_locale() -> str:
    """The guest's language on guest pages; else the organiser's chosen language, else the
    browser's best match, else English.

    Outside a request (commands, the mail worker) the default; those choose a language
    explicitly with ``force_locale``.
    """
    from flask import current_app, g, has_request_context

    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if g.get("guest_language") in languages:
        return g.guest_language
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def _register_blueprints(app: Flask) -> None:
    from .auth.views import bp as auth_bp
    from .briefings.views import bp as briefings_bp
    from .calendar.views import bp as calendar_bp
    from .checkin.views import bp as checkin_bp
    from .checkin.views import door as door_bp
    from .contacts.views import bp as contacts_bp
    from .events.views import bp as events_bp
    from .feedback.relationship_views import bp as relationships_bp
    from .feedback.views import bp as feedback_bp
    from .gifts.views import bp as gifts_bp
    from .goals.views import bp as goals_bp
    from .inbox.views import bp as inbox_bp
    from .invitations.views import bp as invitations_bp
    from .mail.views import bp as mail_bp
    from .privacy.views import bp as privacy_bp
    from .questions.views import bp as questions_bp
    from .rsvp.views import bp as rsvp_bp
    from .seating.card_views import bp as seating_print_bp
    from .seating.views import bp as seating_bp
    from .team.views import bp as team_bp
    from .team.views import joining as joining_bp
    from .team.views import workspaces as workspaces_bp
    from .webhooks.views import bp as webhooks_bp

    for blueprint in (auth_bp, events_bp, contacts_bp, invitations_bp, mail_bp, rsvp_bp,
                      calendar_bp, goals_bp, feedback_bp, relationships_bp, checkin_bp, door_bp,
                      privacy_bp, team_bp, joining_bp, workspaces_bp, inbox_bp, gifts_bp,
                      briefings_bp, questions_bp, seating_bp, seating_print_bp, webhooks_bp):
        app.register_blueprint(blueprint)
    # Guest forms carry a CSRF token bound to the personal link instead (rsvp.forms).
    csrf.exempt(rsvp_bp)

    from .api.app import init_api

    init_api(app)

    from .invitations.queued_mail import write_queued_guest_messages
    from .mail.rendering import set_message_renderer
    from .rsvp.page_cache import RenderedPages
    from .rsvp.page_versions import watch_guest_page_rows

    # The delivery worker writes guests' batch emails just before sending them.
    set_message_renderer(app, write_queued_guest_messages)

    app.extensions["guest_pages"] = RenderedPages(app.config["GUEST_PAGE_CACHE_SIZE"])
    watch_guest_page_rows(db.session)  # the pages' key moves with every change they show
    from .deletions.recording import record_tombstones

    record_tombstones()  # deletions and erasures leave tombstones for the API


def _register_template_helpers(app: Flask) -> None:
    from . import formatting
    from .feedback.nps import nps_group_label
    from .invitations import labels as invitation_labels
    from .mail.labels import message_status_label

    app.jinja_env.globals.update(
        answer_label=invitation_labels.answer_label, stage_label=invitation_labels.stage_label,
        change_by_label=invitation_labels.change_by_label,
        change_field_label=invitation_labels.change_field_label,
        message_status_label=message_status_label, nps_group_label=nps_group_label)

    app.add_template_filter(formatting.format_moment, "moment")
    app.add_template_filter(formatting.format_day, "day")
    app.add_template_filter(formatting.format_time_range, "time_range")
    app.add_template_filter(formatting.format_calendar_date, "calendar_date")
    app.add_template_filter(formatting.format_clock, "clock")
    app.add_template_filter(formatting.format_day_and_time, "day_and_time")
    app.add_template_filter(formatting.format_time_since, "time_since")
    app.add_template_filter(formatting.format_date_range, "date_range")
    app.add_template_filter(formatting.zone_abbreviation, "zone_abbreviation")
    from .goals.times import format_duration

    app.add_template_filter(format_duration, "duration")
    from .template_translations import bind_template_translations

    bind_template_translations(app)

    @app.context_processor
    def page_language():
        return {"page_language": str(get_locale() or "en"),
                "languages": app.config["LANGUAGES"]}
