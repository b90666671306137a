"""Identities: citizens (real name), enterprises (USCC), staff (posts), and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from yiwang.accounts.choices import UserKind
from yiwang.org.models import Post, Region


class User(AbstractUser):
    kind = models.CharField("类型", max_length=12, choices=UserKind.choices)
    display_name = models.CharField("显示名称", max_length=100)
    # Demo accounts have a published password: YIWANG_ENV=production refuses them.
    is_demo = models.BooleanField("演示账户", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Citizen(models.Model):
    """A natural person, real-name verified by a valid resident ID number (GB 11643)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen")
    real_name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="户籍/居住地", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = "自然人"
        verbose_name_plural = "自然人"

    def __str__(self) -> str:
        return self.real_name


class Enterprise(models.Model):
    """A legal person's account, identified by its USCC (GB 32100)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="enterprise")
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    legal_representative = models.CharField("法定代表人", max_length=50)
    phone = models.CharField("联系电话", max_length=11, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="登记地", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = "法人"
        verbose_name_plural = "法人"

    def __str__(self) -> str:
        return self.name


class StaffPost(models.Model):
    """A staff member holds one or more posts; the posts' roles give the permissions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_posts")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="holders")
    since = models.DateField("任职日期", auto_now_add=True)

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="staffpost_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.post}"


class ApiToken(models.Model):
    """A bearer token: only its SHA-256 is stored; it expires and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginThrottle(models.Model):
    """Failed-login counters per (account, address), per address and per account, and
    the addresses an account signed in from (accounts.services.sign_in, decision 0015).

    The key is a keyed hash, so no address or user name is stored in the clear.
    """

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    window_started = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    # Account rows: the last failure (the window runs on while failures keep coming) and
    # when the owner was last told that their account is being guessed at.
    last_failure_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录限制"
        verbose_name_plural = "登录限制"

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.failures}"
