-- Every launch inserts a session, and each index on sessions is one more page
-- written per launch. sessions_context served only the cascade when a course
-- is deleted, which happens with its registration (rare, an admin action);
-- that cascade now scans the sessions table, which the hourly sweep keeps to
-- live sessions.
DROP INDEX sessions_context;
