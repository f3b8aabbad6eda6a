"""Settings, from ``PARCELDESK_*`` environment variables (pydantic-settings).

No secret has a usable default. ``demo_mode`` is the one clearly marked exception: it
fills secrets with fixed demo values so that ``parceldesk demo`` runs on a fresh
machine, and refuses to be combined with a non-SQLite database.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEMO_SECRET", "Settings", "default_database_url"]

DEMO_SECRET = "demo-only-secret-not-for-production"  # noqa: S105 - marked demo value


def default_database_url() -> str:
    """A SQLite file in the user's data directory (e.g. ~/.local/share/parceldesk)."""
    path = Path(user_data_dir("parceldesk", appauthor=False)) / "parceldesk.sqlite"
    return f"sqlite:///{path}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARCELDESK_", extra="ignore")

    database_url: str = ""
    demo_mode: bool = False
    #: timezone used for export timestamps that carry no offset
    default_timezone: str = "UTC"
    seventeen_track_secret: SecretStr | None = None
    aftership_secret: SecretStr | None = None
    webhook_max_bytes: int = 5 * 1024 * 1024
    upload_max_bytes: int = 50 * 1024 * 1024
    #: the seller's own rules (forwarder contracts) over the packaged rules files
    rules_overrides: Path | None = None
    #: the seller's parcel insurer / protection provider (rules slug), for insured parcels
    insurer: str = ""
    #: who "I" am for ``cases list --mine`` and the timeline's actor
    user: str = ""
    #: hours within which a new case's buyer gets a first message (seller policy)
    first_buyer_update_hours: int = 24
    #: reminder lead times before a deadline, in hours
    reminder_lead_hours: tuple[int, ...] = (72, 24)
    #: evidence blob store directory (default: next to a SQLite file, else the data dir)
    evidence_dir: Path | None = None

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = default_database_url()
        if self.demo_mode:
            if not self.database_url.startswith("sqlite"):
                raise ValueError("demo mode runs on SQLite only; unset PARCELDESK_DEMO_MODE")
            self.seventeen_track_secret = self.seventeen_track_secret or SecretStr(DEMO_SECRET)
            self.aftership_secret = self.aftership_secret or SecretStr(DEMO_SECRET)
        return self
