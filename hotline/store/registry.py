"""Finds every domain's models so metadata, migrations and tests see all tables.

Each domain package keeps its tables in `hotline/<domain>/models.py` (or a `models` package);
importing them here means no central list has to be edited when a domain is added.
"""

from __future__ import annotations

import importlib
import pkgutil

import hotline


def load_all_models() -> list[str]:
    loaded = []
    for mod in pkgutil.iter_modules(hotline.__path__):
        if not mod.ispkg:
            continue
        name = f"hotline.{mod.name}.models"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        loaded.append(name)
    return loaded
