"""Command-line tasks: ``flask demo``."""

from __future__ import annotations

import click
from flask import Flask

from eventplanner.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("demo")
    def load_demo() -> None:
        """Load the demo event, companies and contacts (running it again changes nothing)."""
        from eventplanner.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo_data

        if not app.config["DEMO_DATA_ALLOWED"]:
            raise click.ClickException(
                "The demo data has a published password and is not loaded in production.")
        summary = load_demo_data()
        db.session.commit()
        click.echo(summary.describe())
        click.echo(f"Log in at {app.config['BASE_URL']}/auth/login as {DEMO_EMAIL} "
                   f"with the password {DEMO_PASSWORD}")
