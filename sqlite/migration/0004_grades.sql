-- Learners of a course, for the grading view. Launches add them (trigger below,
-- so the launch code needs no change); the roster (NRPS, issue 5) may insert or
-- refresh rows with source 'nrps'. Sessions are swept, this table is not.
CREATE TABLE context_learners (
	context_id    INTEGER NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
	user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	source        TEXT NOT NULL DEFAULT 'launch' CHECK (source IN ('launch', 'nrps')),
	first_seen_at INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL,
	PRIMARY KEY (context_id, user_id)
);

CREATE TRIGGER sessions_learner AFTER INSERT ON sessions
WHEN NEW.role = 'learner' AND NEW.context_id IS NOT NULL AND NEW.user_id IS NOT NULL
BEGIN
	INSERT OR IGNORE INTO context_learners (context_id, user_id, source, first_seen_at, last_seen_at)
		VALUES (NEW.context_id, NEW.user_id, 'launch', NEW.created_at, NEW.created_at);
	UPDATE context_learners SET last_seen_at = MAX(last_seen_at, NEW.created_at)
		WHERE context_id = NEW.context_id AND user_id = NEW.user_id;
END;

-- Learners who launched before this migration.
INSERT OR IGNORE INTO context_learners (context_id, user_id, source, first_seen_at, last_seen_at)
	SELECT context_id, user_id, 'launch', MIN(created_at), MAX(created_at) FROM sessions
	WHERE role = 'learner' AND context_id IS NOT NULL AND user_id IS NOT NULL GROUP BY context_id, user_id;

-- Every score ever given, committed before any network call. timestamp_us is the
-- AGS timestamp (microseconds since 1970), strictly increasing per link and user
-- because Moodle refuses (409) a score not newer than the last one.
CREATE TABLE scores (
	id                INTEGER PRIMARY KEY,
	link_id           INTEGER NOT NULL REFERENCES resource_links (id) ON DELETE CASCADE,
	user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	activity_id       INTEGER REFERENCES activities (id) ON DELETE SET NULL,
	score_given       REAL,
	score_maximum     REAL NOT NULL CHECK (score_maximum > 0),
	activity_progress TEXT NOT NULL CHECK (activity_progress IN ('Initialized', 'Started', 'InProgress', 'Submitted', 'Completed')),
	grading_progress  TEXT NOT NULL CHECK (grading_progress IN ('FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady')),
	comment           TEXT NOT NULL DEFAULT '',
	timestamp_us      INTEGER NOT NULL,
	set_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created_at        INTEGER NOT NULL,
	CHECK (score_given IS NULL OR (score_given >= 0 AND score_given <= score_maximum)),
	UNIQUE (link_id, user_id, timestamp_us)
);

-- Delivery of each score to the LMS. Items of one link and user go out in id
-- order; state: pending (never tried or retry requested), retrying (after a
-- transient failure, at next_attempt_ms), delivered, failed (a configuration
-- problem; last_error holds the LMS's words). target is JSON: where to send.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	score_id        INTEGER NOT NULL UNIQUE REFERENCES scores (id) ON DELETE CASCADE,
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	link_id         INTEGER NOT NULL REFERENCES resource_links (id) ON DELETE CASCADE,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	target          TEXT NOT NULL,
	state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'retrying', 'delivered', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_ms INTEGER NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	line_item_url   TEXT NOT NULL DEFAULT '',
	delivered_at    INTEGER,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
CREATE INDEX outbox_group ON outbox (link_id, user_id, id);
CREATE INDEX scores_link_user ON scores (link_id, user_id, id);
