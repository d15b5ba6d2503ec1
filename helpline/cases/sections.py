"""Sections other domains add to the case page, read inside the page's one audited read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from helpline.cases.service import Deps
from helpline.models.cases import Case


@dataclass(frozen=True)
class SectionData:
    items: Any
    labels: Any  # the domain's labels module: code -> msgid mappings for the template


@dataclass(frozen=True)
class CasePageSection:
    """``name`` picks the template ``<name>/section.html``; ``load`` returns its ``data``."""

    name: str
    loader: Callable[[Deps, Case], Awaitable[Any]]
    labels: Any = None

    async def load(self, deps: Deps, case: Case) -> SectionData:
        return SectionData(await self.loader(deps, case), self.labels)
