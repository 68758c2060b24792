-- Course rosters from NRPS. One snapshot per context: rosters holds when it was
-- synced and the platform's differences link; roster_members the people.
-- generation marks the members seen by the latest full listing, so those
-- missing from it can be marked as having left in one UPDATE.
CREATE TABLE rosters (
	context_id      INTEGER PRIMARY KEY REFERENCES contexts (id) ON DELETE CASCADE,
	differences_url TEXT NOT NULL DEFAULT '',
	generation      INTEGER NOT NULL DEFAULT 0,
	synced_at       INTEGER NOT NULL,
	full_synced_at  INTEGER NOT NULL
);

-- Members who left stay, as Inactive with left_at, never deleted.
CREATE TABLE roster_members (
	context_id  INTEGER NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
	subject     TEXT NOT NULL,
	name        TEXT NOT NULL DEFAULT '',
	given_name  TEXT NOT NULL DEFAULT '',
	family_name TEXT NOT NULL DEFAULT '',
	email       TEXT NOT NULL DEFAULT '',
	roles       TEXT NOT NULL DEFAULT '[]',
	status      TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
	left_at     INTEGER,
	generation  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (context_id, subject)
) WITHOUT ROWID;
