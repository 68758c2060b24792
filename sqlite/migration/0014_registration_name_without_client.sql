-- Dynamic registration used to store " (client <client ID>)" after the name
-- of a second registration of one LMS. The client ID has its own column, and
-- the console and CLI show it beside the name (the console adds it to names
-- that two registrations share), so the stored suffix made them say it twice.
-- Drop exactly that suffix, with the row's own client ID, where a name is left.
UPDATE registrations
SET name = substr(name, 1, length(name) - length(' (client ' || client_id || ')'))
WHERE length(name) > length(' (client ' || client_id || ')')
	AND substr(name, length(name) - length(' (client ' || client_id || ')') + 1) = ' (client ' || client_id || ')';
