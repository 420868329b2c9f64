"""``<int:…>`` in every URL means a row id: 1 to ID_MAX, anything else is no page (404).

Without the bound, /api/v1/routes/99999999999999999999 reached the database and failed there
(SQLite cannot bind it; PostgreSQL's INTEGER cannot hold it): a 500 for a typo.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from ..models.types import ID_MAX


class RowIdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = ID_MAX,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    """Before any blueprint is registered: rules pick their converter when they are added."""
    app.url_map.converters["int"] = RowIdConverter
