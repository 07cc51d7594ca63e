"""Choice lists render without a template per option: a province superuser's roster import page
listed 5,602 compounds, each option rendered through Django's option template (540 ms for the page).
`config.forms.FormRenderer` writes <select> and its options directly, the same HTML."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.signals import template_rendered


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[(str(i), f"小区 {i}") for i in range(300)])
    grouped = forms.ChoiceField(
        choices=[("", "Choose…"), ("城区", [("1", "A & <B>"), ("2", 'say "hi"')]), ("3", "三")],
        required=False,
    )
    several = forms.MultipleChoiceField(choices=[("a", "甲"), ("b", "乙"), ("c", "丙")], required=False)


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("data", [None, {"plain": "7", "grouped": "2", "several": ["a", "c"]}])
def test_selects_render_as_django_renders_them(data):
    form, stock_form = _Form(data), _Form(data, renderer=DjangoTemplates())
    for f in (form, stock_form):
        f.fields["grouped"].widget.attrs.update({"class": "form-select", "disabled": True, "data-x": False})
    ours = {name: str(form[name]) for name in form.fields}
    stock = {name: str(stock_form[name]) for name in form.fields}
    for name in form.fields:
        assert _normal(ours[name]) == _normal(stock[name]), name
    assert "A &amp; &lt;B&gt;" in ours["grouped"] and "say &quot;hi&quot;" in ours["grouped"]


def test_a_long_choice_list_renders_no_template_per_option():
    seen = []

    def count(sender, template, **kwargs):
        seen.append(template.name)

    template_rendered.connect(count)
    try:
        html = str(_Form()["plain"])
    finally:
        template_rendered.disconnect(count)
    assert html.count("<option") == 300
    assert len(seen) < 5, f"{len(seen)} templates rendered for one select: {sorted(set(seen))}"
