-- Signed deep-linking responses waiting for the browser to pick them up. The
-- SPA gets an opaque ticket (only its hash is stored) and navigates to
-- /lti/deeplink/return?ticket=..., which consumes the row once and answers the
-- auto-submitting form. Rows are short-lived and deleted when consumed.
CREATE TABLE deep_link_tickets (
	ticket_hash TEXT PRIMARY KEY,
	session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	return_url  TEXT NOT NULL,
	jwt         TEXT NOT NULL,
	items       INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL
);
CREATE INDEX deep_link_tickets_expires ON deep_link_tickets (expires_at);
