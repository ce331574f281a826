"""What every `qa` command shares: settings from flags, the model, and one-line errors for user mistakes."""

from __future__ import annotations

import contextlib
import sys

import click

from ..errors import QAError
from ..settings import Settings, SettingsError, load_settings


@contextlib.contextmanager
def user_errors():
    """Turn every known user mistake into one line on stderr and a non-zero exit, never a traceback."""
    try:
        yield
    except QAError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


def make_settings(**flags) -> Settings:
    try:
        return load_settings(**flags)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def load_embedder(settings: Settings):
    from ..embedding import embedder_for

    click.echo(f"loading model {settings.model} …", err=True)
    return embedder_for(settings)
