"""Forms of the 好差评 pages: the rating (centre, kiosk, signed link) and the
rectification's actions and call-back."""

from __future__ import annotations

from django import forms

from yiwang.feedback.choices import COMMENT_MAX, Indicator, RectificationAction, Score


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="评价等级",
        choices=[(s.value, s.label) for s in Score],
        coerce=int,
        widget=forms.RadioSelect,
    )
    indicators = forms.MultipleChoiceField(
        label="评价指标（可多选）",
        choices=Indicator.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label="评价内容（可不填）",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )


class RectificationActionForm(forms.Form):
    action = forms.ChoiceField(choices=RectificationAction.choices)
    comment = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(required=False, min_value=1)


class CallBackForm(forms.Form):
    called_at = forms.DateTimeField(
        label="回访时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    outcome = forms.CharField(
        label="回访结果", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    satisfied = forms.BooleanField(label="评价人认可整改结果", required=False)
