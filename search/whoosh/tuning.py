"""The tuning constants of the Whoosh index; the measurements behind them are in bench/RESULTS.md
("Tuning notes moved from the index code")."""

# -- records and text ------------------------------------------------------------------------------

# Body characters stored for highlighting; a snippet never reaches beyond them.
STORED_BODY_CHARS = 2_000
# The longest body snippet (and plain body start) a hit shows.
SNIPPET_CHARS = 240
# Words of a search text that are looked up; the rest are ignored.
MAX_QUERY_WORDS = 32
# Characters of a record's body read to detect its language.
DETECT_CHARS = 2_000

# -- writing and reading ---------------------------------------------------------------------------

# Seconds a write waits for another writer's lock before IndexUnavailableError.
WRITER_TIMEOUT = 10.0
# How many times in all a read is made when commits keep changing the index under it.
READ_ATTEMPTS = 3
# Megabytes of memory each rebuild writer may fill before it writes a segment.
REBUILD_LIMIT_MB = 256
# Processes that write a rebuild (at most the machine's cores).
REBUILD_PROCS = 2
# Documents handed to one rebuild process at a time.
REBUILD_BATCH = 500
# Term bitmaps kept per index generation.
BITMAP_TERMS = 1_000

# -- match() ---------------------------------------------------------------------------------------

# Candidates beyond the text's own: records related by CPV code, class, group or a guessed code.
MATCH_CANDIDATES = 100
# How many of the profile's concepts make the query.
MATCH_TERMS = 15
# How many records the text alone nominates for exact rescoring.
TEXT_CANDIDATES = 200
# The share of the profile's text evidence at which a record's text score is 0.5: s / (s + TEXT_HALF).
TEXT_HALF = 0.4
# The text score of a record sharing only one of the profile's words (or only parts) is multiplied by this.
ONE_WORD = 0.5
# Added to the text score by CPV relation (search.cpv.relation); a shared division adds nothing.
CPV_BONUS = {"code": 0.55, "class": 0.45, "group": 0.15}
# A code guessed from a profile without codes (MatchQuery.hint_cpv) counts this share of a real one.
HINT_SHARE = 0.65
# Each further guessed code counts this share of the one before (the first guess is the likeliest).
HINT_DECAY = 0.5
# The relations by which a code alone (real or guessed) makes a match.
HINT_RELATIONS = ("code", "class")
# Added to the topic score when a record shares one of the profile's domains.
DOMAIN_BONUS = 0.12
# Added to the score (not the topic score) when a record serves the profile's fylker or is nationwide.
REGION_BONUS = 0.1
# The weight a kept list gives a profile term no record holds: more than any list's scale.
ABSENT_WEIGHT = 1e6

# -- search() --------------------------------------------------------------------------------------

# Records rescored exactly beyond the page asked for.
RESCORE_EXTRA = 100
# A searched compound held by fewer records than this is also searched by its parts.
RARE_COMPOUND = 1
# What a record holding every word of the query gains over one holding a single word.
WORD_COVERAGE_BONUS = 0.5

# -- scoring, both ---------------------------------------------------------------------------------

# A term held by more than this share of all records is common: it scores candidates, never finds them.
COMMON_SHARE = 0.05
# ... and by more than this many records: in a small index nothing is common.
COMMON_MIN = 2_000
# BM25F length normalisation (Whoosh's default), also in the exact rescoring and the kept lists' bound.
BM25_B = 0.75
# BM25F term-frequency saturation (Whoosh's default), likewise.
BM25_K1 = 1.2
