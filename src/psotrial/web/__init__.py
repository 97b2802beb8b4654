"""The web application: JSON API (``/api/v1``) and server-rendered pages for site staff."""

from psotrial.web.app import create_app

__all__ = ["create_app"]
