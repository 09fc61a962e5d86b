"""Moderation: reports by signed-in users (reports), hiding what breaks the rules and dismissing reports
(hiding), suspending an organisation (suspension), and telling the organisation's administrators (telling)."""

from network.services.moderation.hiding import (
    REASON_MAX,
    dismiss_report,
    hide_item,
    unhide_item,
)
from network.services.moderation.reports import (
    DETAILS_MAX,
    AlreadyReportedError,
    ReportDraft,
    ReportedItem,
    ReportLimitError,
    find_item,
    hidden_items,
    open_reports,
    report_item,
    reportable_item,
)
from network.services.moderation.suspension import (
    suspend_organisation,
    suspended_organisations,
    unsuspend_organisation,
)

__all__ = [
    "DETAILS_MAX",
    "REASON_MAX",
    "AlreadyReportedError",
    "ReportDraft",
    "ReportLimitError",
    "ReportedItem",
    "dismiss_report",
    "find_item",
    "hidden_items",
    "hide_item",
    "open_reports",
    "report_item",
    "reportable_item",
    "suspend_organisation",
    "suspended_organisations",
    "unhide_item",
    "unsuspend_organisation",
]
