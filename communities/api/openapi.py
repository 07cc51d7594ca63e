"""The OpenAPI schema class (DEFAULT_SCHEMA_CLASS): drf-spectacular's, plus the error answers.

Kept apart from communities/api/schema.py, which settings import: this module imports DRF and
drf-spectacular, which must not load before settings are complete."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as _SpectacularAutoSchema
from rest_framework import serializers

# --- error responses: every operation documents the errors it can answer --------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (communities.api.errors.exception_handler)."""

    detail = serializers.CharField(help_text="A sentence a person can read (Chinese by default).")
    code = serializers.CharField(
        required=False, help_text="A stable machine code, e.g. `invalid`, `conflict`."
    )
    field = serializers.CharField(required=False, help_text="The field a refusal is about, if one.")
    errors = serializers.JSONField(
        required=False, help_text="Per-field messages, as a serializer gives them."
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    "400": "Invalid input (body, filter or query parameter): nothing was changed.",
    "401": "Not authenticated: send `Authorization: Token <key>`.",
    "403": "Visible but not allowed to this role (or outside the editing scope).",
    "404": "Not found, or outside the caller's area (the two look the same).",
    "409": "Refused by a rule or a conflicting record (the reason is in `detail`).",
    "429": "Too many requests or wrong codes: wait `Retry-After` seconds.",
    "503": "The database is briefly unavailable: nothing was saved, try again in a minute.",
}


class AutoSchema(_SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, plus the error answers each operation can give: 400, 404 and 503
    everywhere; 401 and 403 where a login is needed; 409 on writes; 429 where a throttle or a guessing
    limit applies (`throttle_classes`, or `answers_429 = True` on the view)."""

    def _error_codes(self) -> list[str]:
        codes = ["400", "404", "503"]
        if self.get_auth() != []:
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if getattr(self.view, "throttle_classes", None) or getattr(self.view, "answers_429", False):
            codes.append("429")
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses
