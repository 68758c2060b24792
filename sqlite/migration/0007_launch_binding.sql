-- Issue 7: launches that work when the browser blocks cookies in the LMS frame.

-- What a login needs to restart in a new window (the platform's message hint)
-- and where platform storage lives (the lti_storage_target frame name).
ALTER TABLE login_states ADD COLUMN message_hint TEXT NOT NULL DEFAULT '';
ALTER TABLE login_states ADD COLUMN storage_target TEXT NOT NULL DEFAULT '';

-- New-window handoffs: a one-time, short-lived link from a login that could not
-- bind its state in the LMS frame to a fresh login in a top-level window. Only
-- hashes are stored: the handoff id travels in the URL, the key only by
-- postMessage from the window that opened it.
CREATE TABLE handoffs (
	handoff_hash TEXT PRIMARY KEY,
	key_hash     TEXT NOT NULL,
	state_hash   TEXT NOT NULL REFERENCES login_states (state_hash) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	used_at      INTEGER
);
CREATE INDEX handoffs_expires ON handoffs (expires_at);

-- How often each browser binding was used, per platform. Counted by trigger so
-- the count is part of the session insert and survives session sweeps.
CREATE TABLE launch_bindings (
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	binding         TEXT NOT NULL,
	launches        INTEGER NOT NULL DEFAULT 0,
	last_at         INTEGER NOT NULL,
	PRIMARY KEY (registration_id, binding)
);
CREATE TRIGGER sessions_count_binding AFTER INSERT ON sessions
BEGIN
	INSERT INTO launch_bindings (registration_id, binding, launches, last_at)
	VALUES (NEW.registration_id, NEW.binding, 1, NEW.created_at)
	ON CONFLICT (registration_id, binding) DO UPDATE SET launches = launches + 1, last_at = excluded.last_at;
END;
