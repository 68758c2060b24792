-- Every launch writes a login state, a session and a launch-log entry; each
-- index on them is one more page written per launch. These three served only
-- the hourly sweeps and the log's pruning, which scan or use the rowid instead.
DROP INDEX login_states_expires;
DROP INDEX sessions_expires;
DROP INDEX launch_log_created;
