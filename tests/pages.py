"""Reading rendered pages in tests: the HTML, the words a person sees, in English."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from django.conf import settings
from django.test import Client


def text(response: Any) -> str:
    return str(response.content.decode())


def visible(html: str) -> str:
    """Tags replaced by spaces, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def visible_text(response: Any) -> str:
    """What the page shows: no scripts or styles, no tags, entities decoded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", text(response), flags=re.S)
    return html_lib.unescape(visible(html))


def english(client: Client) -> Client:
    """The language switcher's choice, as set_language leaves it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
