"""A choice's label in the language of the page.

The apps' TextChoices keep plain Chinese labels: services write them into stored text
and the API returns them as they are. The pages translate what they show, each app from
its own catalog: the app marks its labels (portal/labels.py, credit/labels.py) so that
makemessages puts them there, under a context of its own.
"""

from __future__ import annotations

from django.utils.translation import pgettext

CHOICE_CONTEXT = "choice"


def choice_label(label: object, context: str = CHOICE_CONTEXT) -> str:
    """A choice's Chinese label, translated; as it is if the catalog lacks it."""
    return pgettext(context, str(label))
