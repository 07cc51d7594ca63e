"""How people are named on pages: their full name, else their username (never a bare login name when
a name is known). Added to the user model as `user.display_name` when the app starts."""

from __future__ import annotations


def display_name(user) -> str:
    if user is None:
        return ""
    full = f"{user.last_name}{user.first_name}".strip() if _chinese(user) else user.get_full_name().strip()
    return full or user.get_username()


def _chinese(user) -> bool:
    # Chinese names are written family name first, without a space: 张 + 伟 -> 张伟
    return any("\u4e00" <= ch <= "\u9fff" for ch in f"{user.first_name}{user.last_name}")


def install() -> None:
    from django.contrib.auth import get_user_model

    get_user_model().add_to_class("display_name", property(display_name))
