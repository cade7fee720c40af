"""Sorting and pagination of the list pages, shared by every app (it imports no model).

Sort keys come from the query string, so they are whitelisted: an unknown key falls back to
the default instead of reaching `order_by` (which would raise on a bad field name).
"""
from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 50


def sort_queryset(qs: QuerySet, requested: str | None, columns: dict[str, list[str]], default: str) -> tuple[QuerySet, str]:
    """Order `qs` by a whitelisted column ("name" or "-name"); returns the queryset and the key applied.

    `columns` maps a key to its ordering fields; a leading "-" on the key reverses every field,
    and the primary key breaks ties so that pages never overlap.
    """
    requested = (requested or "").strip()
    name = requested.removeprefix("-")
    if name not in columns:
        requested, name = default, default.removeprefix("-")
    descending = requested.startswith("-")
    ordering = [_flip(field) if descending else field for field in columns[name]]
    ordering.append("-pk" if descending else "pk")
    return qs.order_by(*ordering), requested


def paginate(request: HttpRequest, qs, per_page: int = PER_PAGE) -> Page:
    """The requested page with its rows already fetched, so templates run no query."""
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"
