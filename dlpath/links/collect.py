"""Collect the links to check from the catalogue, each with its context (step, resource, field)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dlpath.catalog import Catalog, Resource
from dlpath.errors import DlpathError

FIELDS = ("url", "archive_url")


@dataclass(frozen=True, slots=True)
class Link:
    """One URL of the catalogue and where it comes from."""

    resource_id: str
    step: int
    label: str  # STEP.N
    field: str  # "url" or "archive_url"
    url: str
    archive_url: str | None  # the resource's archive_url (for suggestions), whatever the field


def compile_excludes(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """The ``--exclude`` regular expressions, compiled; DlpathError naming the first bad one."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as err:
            raise DlpathError(f"--exclude '{pattern}' is not a valid regular expression: {err}") from None
    return compiled


def collect_links(
    catalog: Catalog,
    step: str | None = None,
    only: Sequence[str] = (),
    exclude: Sequence[re.Pattern[str]] = (),
) -> list[Link]:
    """Every ``url`` and ``archive_url`` of the chosen resources, in path order, minus excluded ones.

    ``step`` is a step number or id; ``only`` lists resource ids (or prefixes or ``STEP.N``). Unknown
    names raise NotFoundError (exit 2) with suggestions. ``exclude`` patterns are searched in the URL.
    """
    resources: list[Resource]
    if only:
        chosen = {catalog.find_resource(name).id for name in only}
        resources = [r for r in catalog.all_resources if r.id in chosen]
    else:
        resources = list(catalog.all_resources)  # the prerequisites' links too
    if step is not None:
        number = catalog.find_step(step).number
        resources = [r for r in resources if r.step_number == number]
    links = []
    for resource in resources:
        for field in FIELDS:
            url = getattr(resource, field)
            if not url or any(p.search(url) for p in exclude):
                continue
            links.append(Link(resource.id, resource.step_number, resource.label, field, url, resource.archive_url))
    return links
