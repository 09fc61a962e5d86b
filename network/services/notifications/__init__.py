"""Notifications: follows and saved searches, the notices they produce in the site's inbox, e-mail
immediately or as daily/weekly digests, and unsubscribing without logging in. One module a purpose;
this package names what the rest of the site uses."""

from network.services.notifications import events, notices
from network.services.notifications.delivery import send_due
from network.services.notifications.follows import follow, follows_of, is_following, unfollow
from network.services.notifications.notices import (
    followers_of,
    need_published,
    need_stage_changed,
    notify,
    notify_need,
    response_status_changed,
    response_submitted,
    users_of_organisation,
)
from network.services.notifications.reading import get_notice, inbox, mark_read, open_notice, unread_count
from network.services.notifications.searches import (
    SEARCH_FILTERS,
    SavedSearchDraft,
    delete_saved_search,
    get_saved_search,
    save_search,
    saved_searches,
)
from network.services.notifications.settings import (
    preferences,
    read_unsubscribe_token,
    set_preferences,
    unsubscribe,
    unsubscribe_token,
)


def connect() -> None:
    """Make the notices for what the services announce (once per process; again is harmless)."""
    notices.connect()
    events.connect()


__all__ = [
    "SEARCH_FILTERS",
    "SavedSearchDraft",
    "connect",
    "delete_saved_search",
    "follow",
    "followers_of",
    "follows_of",
    "get_notice",
    "get_saved_search",
    "inbox",
    "is_following",
    "mark_read",
    "need_published",
    "need_stage_changed",
    "notify",
    "notify_need",
    "open_notice",
    "preferences",
    "read_unsubscribe_token",
    "response_status_changed",
    "response_submitted",
    "save_search",
    "saved_searches",
    "send_due",
    "set_preferences",
    "unfollow",
    "unread_count",
    "unsubscribe",
    "unsubscribe_token",
    "users_of_organisation",
]
