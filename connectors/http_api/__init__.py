"""Hosted services reached through their REST APIs, each described by a definition file
(``connectors/definitions/<service>.toml``); the connector kind is ``http_api``."""

from connectors.http_api.connector import HttpApiConnector

__all__ = ["HttpApiConnector"]
