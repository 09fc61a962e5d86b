"""Demo content in the bulk-import format: real notices as Norwegian needs, example suppliers, spread dates.

`flask setup --demo` loads it through the bulk import. Files: notices (the bundled notices and text
tidying), bodies (Norwegian public bodies), needs (selection and the curated problem-first rewrites in
network/data/demo_needs.json), suppliers (fictional Norwegian firms and UK award winners), dates, build.
"""

from network.demo.bodies import guess_sector, normalise_buyer
from network.demo.build import FIELDS_BY_TYPE, demo_records, iter_demo_lines, load_date, write_demo_jsonl
from network.demo.needs import CURATED_FIELDS, MAX_NEEDS, curated, need_key
from network.demo.notices import guess_language
from network.demo.suppliers import is_public_body_name

__all__ = [
    "CURATED_FIELDS",
    "FIELDS_BY_TYPE",
    "MAX_NEEDS",
    "curated",
    "demo_records",
    "guess_language",
    "guess_sector",
    "is_public_body_name",
    "iter_demo_lines",
    "load_date",
    "need_key",
    "normalise_buyer",
    "write_demo_jsonl",
]
