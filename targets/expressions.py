"""The SQL expressions the counting query is built from (targets.counting.staff_counts): the bucket of
a date among the chosen dates, and small whole numbers packed into one."""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from itertools import accumulate
from operator import mul

from django.db.models import BigIntegerField, F, Func, IntegerField


class Bucket(Func):
    """The bucket of an event date among `dates`: the index of the first date on or after it
    (len(dates) when after them all, `when_null` when there is no event).

    Written as one CASE with the dates inlined as parameters: built from When and lookups, the four
    buckets of a query took longer to compile than PostgreSQL took to run it.
    """

    output_field = IntegerField()

    def __init__(self, expression, dates: Sequence[datetime.date], *, when_null: int):
        super().__init__(F(expression) if isinstance(expression, str) else expression)
        self.dates = list(dates)
        self.when_null = when_null

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        parts = [f"CASE WHEN ({column}) IS NULL THEN {self.when_null:d}"]
        all_params = list(params)
        for i, day in enumerate(self.dates):
            parts.append(f" WHEN ({column}) <= %s THEN {i:d}")
            all_params += [*params, day]
        parts.append(f" ELSE {len(self.dates):d} END")
        return "".join(parts), all_params


class Packed(Func):
    """Small whole numbers (each `part` in [0, radix)) written as one: the sum of each times the product
    of the radices before it. The query then groups on, and returns, one number instead of a dozen:
    its sort compares two columns, and each row reaches Python as three values."""

    output_field = BigIntegerField()

    def __init__(self, parts: Sequence[tuple[object, int]]):
        super().__init__(*(expression for expression, _radix in parts))
        self.weights = list(accumulate((radix for _expression, radix in parts[:-1]), mul, initial=1))

    def as_sql(self, compiler, connection, **extra_context):
        terms, params = [], []
        for expression, weight in zip(self.source_expressions, self.weights, strict=True):
            sql, expression_params = compiler.compile(expression)
            terms.append(f"CAST(({sql}) AS bigint) * {weight:d}")
            params += expression_params
        return "(" + " + ".join(terms) + ")", params


PACKED_LIMIT = 2**62  # what one bigint holds, with room


def packs(radices: Sequence[int]) -> list[list[int]]:
    """The positions of `radices` split into runs whose radices multiply to under PACKED_LIMIT."""
    packs: list[list[int]] = []
    room = 0
    for position, radix in enumerate(radices):
        if not packs or room * radix >= PACKED_LIMIT:
            packs.append([])
            room = 1
        packs[-1].append(position)
        room *= radix
    return packs


def unpack(values: Sequence[int], packs: Sequence[Sequence[int]], radices: Sequence[int]) -> list[int]:
    """The parts `Packed` wrote into `values` (one number per pack), in their order."""
    parts = [0] * len(radices)
    for value, positions in zip(values, packs, strict=True):
        for position in positions:
            value, parts[position] = divmod(value, radices[position])
    return parts
