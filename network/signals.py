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
# A supplier (or another body) asked a question about a need: question=Question (added, flushed).
question_asked = _signals.signal("question-asked")
# A member wrote in a coordination group's discussion: post=GroupPost (added, flushed).
group_post_written = _signals.signal("group-post-written")
# A public body registered through the site and waits for verification: organisation=Organisation,
# user=User (the person who registered it).
organisation_registered = _signals.signal("organisation-registered")
# A site administrator verified a public body: organisation=Organisation.
organisation_verified = _signals.signal("organisation-verified")
