-- Dynamic registration sessions: between reading the platform configuration
-- (GET /lti/register) and posting the registration (POST). Single use, short-lived.
CREATE TABLE registration_sessions (
	id_hash      TEXT PRIMARY KEY,
	config_url   TEXT NOT NULL,
	config_json  TEXT NOT NULL,
	token        TEXT NOT NULL DEFAULT '',
	preset       TEXT NOT NULL DEFAULT 'other',
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX registration_sessions_expires ON registration_sessions (expires_at);

-- Console administrators. Only a bcrypt hash of the password is stored.
CREATE TABLE admins (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

-- Console sessions: the SHA-256 of the cookie value only.
CREATE TABLE admin_sessions (
	token_hash TEXT PRIMARY KEY,
	admin_id   INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- Launch attempts for the console's Recent launches and launch debugger. The
-- id_token is stored decoded (header and claims) without its signature.
CREATE TABLE launch_log (
	id              INTEGER PRIMARY KEY,
	created_at      INTEGER NOT NULL,
	registration_id INTEGER REFERENCES registrations (id) ON DELETE SET NULL,
	issuer          TEXT NOT NULL DEFAULT '',
	client_id       TEXT NOT NULL DEFAULT '',
	deployment_id   TEXT NOT NULL DEFAULT '',
	message_type    TEXT NOT NULL DEFAULT '',
	ok              INTEGER NOT NULL,
	check_name      TEXT NOT NULL DEFAULT '',
	title           TEXT NOT NULL DEFAULT '',
	message         TEXT NOT NULL DEFAULT '',
	header_json     TEXT NOT NULL DEFAULT '{}',
	claims_json     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX launch_log_created ON launch_log (created_at);
