-- Registrations: one per (issuer, client_id). Canvas and Blackboard share one issuer
-- across many customers, so the issuer alone never identifies a platform.
CREATE TABLE registrations (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	issuer         TEXT NOT NULL,
	client_id      TEXT NOT NULL,
	auth_url       TEXT NOT NULL,
	token_url      TEXT NOT NULL,
	token_audience TEXT NOT NULL DEFAULT '',
	jwks_url       TEXT NOT NULL,
	preset         TEXT NOT NULL DEFAULT 'other',
	status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending', 'disabled')),
	allow_anonymous INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (issuer, client_id)
);

CREATE TABLE deployments (
	id              INTEGER PRIMARY KEY,
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	deployment_id   TEXT NOT NULL,
	status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending', 'rejected')),
	created_at      INTEGER NOT NULL,
	UNIQUE (registration_id, deployment_id)
);

-- Tool signing keys. retired_at NULL marks the current key; retired keys stay
-- published until retired_at + overlap so platforms with cached JWKS keep working.
CREATE TABLE tool_keys (
	kid         TEXT PRIMARY KEY,
	private_der BLOB NOT NULL,
	created_at  INTEGER NOT NULL,
	retired_at  INTEGER
);

-- OIDC login states. The nonce lives with its state, so a launch can only use
-- the nonce issued for the login it completes. Consumed rows stay until they
-- expire, to tell "already used" from "unknown".
CREATE TABLE login_states (
	state_hash      TEXT PRIMARY KEY,
	nonce           TEXT NOT NULL,
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	target_link_uri TEXT NOT NULL,
	login_hint      TEXT NOT NULL,
	deployment_hint TEXT NOT NULL DEFAULT '',
	binding         TEXT NOT NULL DEFAULT 'cookie',
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	consumed_at     INTEGER
);
CREATE INDEX login_states_expires ON login_states (expires_at);

CREATE TABLE users (
	id              INTEGER PRIMARY KEY,
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	subject         TEXT NOT NULL,
	name            TEXT NOT NULL DEFAULT '',
	given_name      TEXT NOT NULL DEFAULT '',
	family_name     TEXT NOT NULL DEFAULT '',
	email           TEXT NOT NULL DEFAULT '',
	last_seen_at    INTEGER NOT NULL,
	UNIQUE (registration_id, subject)
);

-- Contexts (courses). LTI makes context.id unique per deployment.
CREATE TABLE contexts (
	id              INTEGER PRIMARY KEY,
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	deployment_id   TEXT NOT NULL,
	context_id      TEXT NOT NULL,
	label           TEXT NOT NULL DEFAULT '',
	title           TEXT NOT NULL DEFAULT '',
	last_seen_at    INTEGER NOT NULL,
	UNIQUE (registration_id, deployment_id, context_id)
);

-- Launch sessions. Only the SHA-256 of the bearer token is stored.
CREATE TABLE sessions (
	id               INTEGER PRIMARY KEY,
	token_hash       TEXT NOT NULL UNIQUE,
	registration_id  INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	deployment_id    TEXT NOT NULL,
	user_id          INTEGER REFERENCES users (id) ON DELETE CASCADE,
	context_id       INTEGER REFERENCES contexts (id) ON DELETE CASCADE,
	resource_link_id TEXT NOT NULL DEFAULT '',
	link_title       TEXT NOT NULL DEFAULT '',
	message_type     TEXT NOT NULL,
	role             TEXT NOT NULL,
	roles            TEXT NOT NULL DEFAULT '[]',
	claims           TEXT NOT NULL DEFAULT '{}',
	binding          TEXT NOT NULL DEFAULT 'cookie',
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_context ON sessions (context_id);

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Origins an LMS page was seen at, learned from verified launches (the Origin of
-- the launch POST and the launch_presentation return URL). Canvas and Blackboard
-- serve course pages from a host other than their issuer, and CSP frame-ancestors
-- must name it.
CREATE TABLE frame_origins (
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	origin          TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (registration_id, origin)
);
