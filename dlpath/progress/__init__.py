"""The learner's progress: recorded in an SQLite store, moved between machines, summed up for the commands.

- ``records``: the vocabulary (states, exercise events, stored times, the records the store returns);
- ``migrations``: the database schema, one migration per version;
- ``database``: the database file (where it lives, open and create it safely, wait on locks, migrate);
- ``store``: the SQLite store (read, change, undo, merge an import);
- ``transfer``: the export format (``dlpath progress export`` / ``import``), checked once;
- ``summary``: pure functions: what is next, counts by state, the status summary;
- ``views``: how progress looks: the text of ``next``, the tables, the lines and the JSON shapes.

The names most callers need are importable from here; the export format from ``transfer``, which
``dlpath next`` never loads.
"""

from dlpath.progress.database import APPLICATION_ID, FILE_NAME, database_path
from dlpath.progress.migrations import MIGRATIONS, SCHEMA_VERSION
from dlpath.progress.records import (
    DONE,
    EXERCISE_EVENTS,
    IN_PROGRESS,
    NOT_STARTED,
    SETTLED,
    SKIPPED,
    STATES,
    Changed,
    Entry,
    Event,
    ExerciseStats,
    ImportResult,
    Snapshot,
    Undone,
    now,
)
from dlpath.progress.store import (
    Store,
    exercise_stats,
    hints_shown,
    record_exercise,
)
from dlpath.progress.summary import (
    Summary,
    Tally,
    next_resource,
    offer_next,
    split_tally,
    streak_days,
    summarise,
    tally,
)

__all__ = [
    "APPLICATION_ID", "DONE", "EXERCISE_EVENTS", "FILE_NAME", "IN_PROGRESS", "MIGRATIONS", "NOT_STARTED",
    "SCHEMA_VERSION", "SETTLED", "SKIPPED", "STATES", "Changed", "Entry", "Event", "ExerciseStats",
    "ImportResult", "Snapshot", "Store", "Summary", "Tally", "Undone", "database_path", "exercise_stats",
    "hints_shown", "next_resource", "now", "offer_next", "record_exercise", "split_tally", "streak_days",
    "summarise", "tally",
]
