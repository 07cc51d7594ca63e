from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication


class BearerOrTokenAuthentication(TokenAuthentication):
    """knox tokens (hashed at rest, expiring, revocable) as `Authorization: Token <key>`."""


class TokenAuthScheme(OpenApiAuthenticationExtension):
    target_class = "communities.api.authentication.BearerOrTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token from POST /api/v1/auth/token/, sent as "Token <key>".',
        }
