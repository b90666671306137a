"""Applying from a web form: the materials' files and the application in one go.

The API takes an application in two steps (POST /uploads per file, then POST /cases
with the upload ids). A web form sends everything at once, so here the files are
first checked (size, and kind by content, before anything is written), then stored
through the uploads service and the case submitted through the cases service, all in
one transaction: a refused application leaves no upload behind.

A double submit (two clicks, a reload, a retry after a lost answer) carries the same
idempotency key from the form's hidden field: the uploads service returns the same
upload for the same key and content, the cases service the same case for the same key
and application — one case, the same case number and query code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.cases.services import MaterialRef, Submission, perform_action, submit_case
from yiwang.common.errors import (
    DomainError,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
)
from yiwang.portal.errors import error_page
from yiwang.uploads.content import KINDS, safe_name, sniff_file
from yiwang.uploads.services import max_upload_bytes, store_upload, too_large_error

_TOO_LARGE = "_portal_upload_too_large"


class PerFileSizeLimit(FileUploadHandler):
    """First upload handler of a form with several files: stops reading the body as
    soon as one file passes the uploads size limit, so nothing larger is spooled to
    disk; the view then answers 413. (Django's own limits apply to the other fields.)"""

    def __init__(self, request: HttpRequest | None, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, _TOO_LARGE, True)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limit_file_sizes(request: HttpRequest) -> None:
    """Install the handler; call before anything reads request.POST or FILES."""
    request.upload_handlers = [
        PerFileSizeLimit(request, max_upload_bytes()),
        *request.upload_handlers,
    ]


def form_parses(request: HttpRequest) -> bool:
    """Read a POSTed form now, before the CSRF check does; False when it is no form at
    all (multipart without a boundary, a broken part). Raised inside the CSRF check,
    that error would reach Django's own 400 handling, which logs a traceback for it;
    the view answers with its page instead."""
    if request.method != "POST":
        return True
    try:
        request.FILES  # noqa: B018 - parsing is the point
    except (MultiPartParserError, DjangoBadRequest):
        # Parsed once: POST and FILES stay empty instead of raising again on each access.
        request._mark_post_parse_error()  # type: ignore[attr-defined]
        return False
    return True


def upload_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The one way a page takes a form with files. The size limit must be installed
    before anything reads the body — and the CSRF check does — so the middleware's
    check is skipped (csrf_exempt) and the view itself must carry `@csrf_protect`,
    which then reads the form within the limit. A body that is no form at all is
    answered here with the 400 page (see `form_parses`)."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit_file_sizes(request)
        if not form_parses(request):
            return error_page(request, _("无法解析提交的表单，请刷新页面后重试。"), status=400)
        return view(request, *args, **kwargs)

    return wrapped


def upload_too_large(request: HttpRequest) -> PayloadTooLarge | None:
    """The 413 to answer when the body was cut short for a file too large. Parses the
    body now if nothing has yet (the CSRF check usually has)."""
    try:
        request.FILES  # noqa: B018 - parsing is the point
    except (RequestDataTooBig, TooManyFilesSent):
        setattr(request, _TOO_LARGE, True)
    if getattr(request, _TOO_LARGE, False):
        return too_large_error()
    return None


@dataclass(frozen=True)
class Application:
    item_code: str
    key: str
    form: Mapping[str, Any] = field(default_factory=dict)
    files: Sequence[tuple[str, UploadedFile]] = ()
    #: (material, license identifier): materials filled from the license library.
    licenses: Sequence[tuple[str, str]] = ()
    delivery: str | None = None
    intake_region: str | None = None
    channel: str | None = None


def _named(exc: DomainError, name: str) -> DomainError:
    """The same error, its message naming the material it is about."""
    return type(exc)(
        _("材料“%(name)s”：%(detail)s") % {"name": name, "detail": exc.detail}, code=exc.code
    )


def check_files(files: Sequence[tuple[str, UploadedFile]], names: Mapping[str, str]) -> None:
    """Size and kind of every file, before any is stored (the uploads service checks
    them again when storing; this only makes a refusal leave nothing behind)."""
    limit = max_upload_bytes()
    accepted = "、".join(k.label for k in KINDS)
    for code, file in files:
        name = names.get(code, code)
        size = file.size or 0
        if size > limit:
            raise _named(too_large_error(), name)
        kind = sniff_file(file, size)
        if kind is None:
            raise UnsupportedMediaType(
                _("材料“%(name)s”：只接受 %(accepted)s 文件（按文件内容判断）")
                % {"name": name, "accepted": accepted},
                code="unsupported_media_type",
            )
        try:
            safe_name(file.name, kind)
        except DomainError as exc:
            raise _named(exc, name) from None


def _owner(actor: Actor) -> User:
    """The account the files are stored for (a signed-in person: the views require one)."""
    if actor.user is None:
        raise PermissionDenied(_("请先登录"), code="sign_in_required")
    return actor.user


def submit_application(app: Application, *, actor: Actor, names: Mapping[str, str]) -> Submission:
    """Store the files and submit the application, all or nothing (see the module)."""
    check_files(app.files, names)
    owner = _owner(actor)
    with transaction.atomic():
        refs = []
        for code, file in app.files:
            try:
                upload = store_upload(file, owner=owner, idempotency_key=f"{app.key}-{code}")
            except DomainError as exc:
                raise _named(exc, names.get(code, code)) from None
            refs.append(MaterialRef(code, str(upload.id)))
        refs.extend(MaterialRef(code, license_id=lic) for code, lic in app.licenses)
        return submit_case(
            actor=actor,
            item_code=app.item_code,
            form=dict(app.form),
            materials=refs,
            delivery=app.delivery,
            idempotency_key=app.key,
            intake_region=app.intake_region,
            channel=app.channel,
        )


# The query code is shown once, on the page after the redirect; the session carries it
# there and forgets it when shown.
_SHOWN_ONCE = "portal_query_codes"


def remember_query_code(request: HttpRequest, submission: Submission) -> None:
    codes = dict(request.session.get(_SHOWN_ONCE, {}))
    codes[submission.case.case_no] = submission.query_code
    request.session[_SHOWN_ONCE] = codes


def take_query_code(request: HttpRequest, case_no: str) -> str:
    codes = dict(request.session.get(_SHOWN_ONCE, {}))
    code = str(codes.pop(case_no, ""))
    request.session[_SHOWN_ONCE] = codes
    return code


def answer_supplement(
    case_no: str,
    files: Sequence[tuple[str, UploadedFile]],
    *,
    actor: Actor,
    names: Mapping[str, str],
    comment: str = "",
    version: int | None = None,
) -> Any:
    """Answer a supplement notice (补正): store the new files and resubmit the case, all
    or nothing. Which materials the notice asks for, the cases service checks."""
    check_files(files, names)
    owner = _owner(actor)
    with transaction.atomic():
        refs = []
        for code, file in files:
            try:
                upload = store_upload(file, owner=owner)
            except DomainError as exc:
                raise _named(exc, names.get(code, code)) from None
            refs.append({"material": code, "upload_id": str(upload.id)})
        return perform_action(
            case_no,
            "resubmit",
            actor=actor,
            comment=comment,
            expected_version=version,
            materials=refs,
        )
