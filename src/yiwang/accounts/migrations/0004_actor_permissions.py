"""The right to decide credit lists becomes a post's permission (docs/decisions/0008).

Until now a post whose role granted `unit:credit:publish` in a department whose code
ended with "market-regulation" also decided the lists. A database seeded before this
keeps exactly those rights: those posts move to the `credit_registrar` role (as in
org/data/jilin.json) or, for another role, to a copy of it that also grants the lists.
No account gains or loses a right; posts in other departments keep their role. A fresh
seed gets the same from the org data.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PUBLISH = "unit:credit:publish"
DECIDE_LISTS = "unit:credit:decide-lists"
OLD_SUFFIX = "market-regulation"


def forwards(apps: Any, schema_editor: Any) -> None:
    Role = apps.get_model("org", "Role")
    Post = apps.get_model("org", "Post")
    deciding = [
        post
        for post in Post.objects.select_related("role", "department").filter(
            department__code__endswith=OLD_SUFFIX
        )
        if PUBLISH in (post.role.permissions or []) and DECIDE_LISTS not in post.role.permissions
    ]
    for post in deciding:
        post.role = _with_lists(Role, post.role)
        post.save(update_fields=["role"])


def _with_lists(Role: Any, role: Any) -> Any:  # noqa: N803 - a historical model
    """The publisher's role becomes `credit_registrar`; any other role a copy of itself
    that also grants the list decisions (its holders keep every other right)."""
    if role.code == "credit_publisher":
        code, name = "credit_registrar", "登记机关信用监管"
    else:
        code, name = f"{role.code[:34]}-lists", f"{role.name}（名单决定）"
    target, _ = Role.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "scope": role.scope,
            "permissions": [*role.permissions, DECIDE_LISTS],
        },
    )
    return target


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_login_throttle"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
