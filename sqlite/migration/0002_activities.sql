CREATE TABLE activities (
	id            INTEGER PRIMARY KEY,
	title         TEXT NOT NULL,
	instructions  TEXT NOT NULL DEFAULT '',
	graded        INTEGER NOT NULL DEFAULT 0,
	score_maximum REAL NOT NULL DEFAULT 0,
	tag           TEXT NOT NULL DEFAULT '',
	start_at      INTEGER,
	end_at        INTEGER,
	context_id    INTEGER REFERENCES contexts (id) ON DELETE CASCADE, -- NULL: tool-wide library
	archived      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	CHECK (graded = 0 OR score_maximum > 0)
);
CREATE INDEX activities_context ON activities (context_id);

CREATE TABLE resource_links (
	id               INTEGER PRIMARY KEY,
	registration_id  INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	deployment_id    TEXT NOT NULL,
	context_id       INTEGER REFERENCES contexts (id) ON DELETE CASCADE,
	resource_link_id TEXT NOT NULL,
	title            TEXT NOT NULL DEFAULT '',
	activity_id      INTEGER REFERENCES activities (id) ON DELETE SET NULL,
	line_item_url    TEXT NOT NULL DEFAULT '',
	updated_at       INTEGER NOT NULL,
	UNIQUE (registration_id, deployment_id, resource_link_id)
);
