"""Forms of the portal: input shape only; the services decide the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("按名称筛选地区或大厅"), max_length=50, required=False)

    def query(self) -> str:
        """The cleaned filter text; empty (no filter) when the input is invalid."""
        if not self.is_valid():
            return ""
        return str(self.cleaned_data["q"]).strip()
