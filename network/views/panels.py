"""The need page's panels from other features: each feature's view module registers its panel at import,
and the need page asks the registry, so no view module imports another."""

from __future__ import annotations

from collections.abc import Callable

from network.models import Need

NeedPanel = Callable[[Need, object], dict]

# "module.name" → (order, panel): keyed by name, so a module imported again replaces its panel.
_NEED_PANELS: dict[str, tuple[int, NeedPanel]] = {}


def need_panel(order: int) -> Callable[[NeedPanel], NeedPanel]:
    """Register a function (need, user) → template context for the need page; lower orders go first."""

    def register(panel: NeedPanel) -> NeedPanel:
        _NEED_PANELS[f"{panel.__module__}.{panel.__qualname__}"] = (order, panel)
        return panel

    return register


def need_panels_context(need: Need, user) -> dict:
    """The context of every registered panel for this need and user, in their order."""
    context: dict = {}
    for _order, panel in sorted(_NEED_PANELS.values(), key=lambda entry: entry[0]):
        context.update(panel(need, user))
    return context
