"""What happened to needs and responses, told to whoever listens (blinker signals): a service sends,
the features that act on it (notices) connect their receivers, and neither imports the other.

Each signal's sender is the acting user; the record goes as a keyword argument. Receivers run inside
the sender's unit of work, before its commit, and an error in one stops the write like any other."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A draft need became public: need=Need.
need_published = _signals.signal("need-published")
# A published need moved to another stage: need=Need (its new stage is set).
need_stage_changed = _signals.signal("need-stage-changed")
# A supplier responded to a need: response=Response (added to the session, perhaps not flushed yet).
response_submitted = _signals.signal("response-submitted")
# A need's body changed a response's status: response=Response.
response_status_changed = _signals.signal("response-status-changed")
# An index commit put records into kept match lists (sent by the bridge after the commit): the sender
# is the SearchIndex, entries=list[search.Entered].
index_applied = _signals.signal("index-applied")
