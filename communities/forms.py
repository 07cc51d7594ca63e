"""Page forms. BootstrapFormMixin gives every field Bootstrap's classes and marks invalid ones."""

from django import forms


class BootstrapFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = ""
            else:
                css = "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
