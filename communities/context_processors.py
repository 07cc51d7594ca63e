from .scoping import get_scope


def scope(request):
    user = getattr(request, "user", None)
    return {"scope": get_scope(user)} if user is not None else {}
