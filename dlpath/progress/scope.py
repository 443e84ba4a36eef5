"""Whose progress: each catalogue keeps its own, keyed by the catalogue's identity rather than its file path.

The identity is the catalogue's title and its source's author, so a catalogue moved or copied to another
folder keeps its progress, while another reading path (``--catalog other.yaml``) has its own. Progress
recorded before dlpath kept it per catalogue is stored with the empty key and belongs to every catalogue
that lists its resource id (nothing is hidden or lost by the upgrade).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dlpath.catalog import Catalog

UNSCOPED = ""  # the key of progress recorded before it was kept per catalogue
_SEP = "\x1f"  # unit separator: never in a resource id (slugs), so ids can be matched with instr()


class Scope(NamedTuple):
    """One catalogue's share of the progress store: its key, its title, and the resource ids it lists."""

    key: str
    title: str
    ids: frozenset[str]

    @property
    def ids_param(self) -> str:
        """The ids as one SQL parameter: ``\\x1fa\\x1fb\\x1f`` (see ``sql``)."""
        return _SEP + _SEP.join(sorted(self.ids)) + _SEP

    def sees(self, resource_id: str) -> bool:
        """Whether unscoped (older) progress of this resource id belongs to this catalogue."""
        return resource_id in self.ids


def catalog_key(title: str, author: str) -> str:
    """The identity of a catalogue: its title and its source's author (never its file path)."""
    return f"{title.strip()}\n{author.strip()}"


def scope_of(catalog: Catalog) -> Scope:
    """The scope of a loaded catalogue."""
    author = catalog.source.author if catalog.source is not None else ""
    return Scope(catalog_key(catalog.title, author), catalog.title, frozenset(catalog.by_id))


def sql(table: str) -> str:
    """A WHERE condition: rows of ``table`` (alias) in the scope bound as ``:key`` and ``:ids``."""
    return (
        f"({table}.catalog = :key OR ({table}.catalog = '' AND"
        f" instr(:ids, char(31) || {table}.resource_id || char(31)) > 0))"
    )
