-- A rotated-in tool key is published before it signs (pre-publication), so a
-- key's signing start is no longer its creation. Existing keys signed from
-- their creation.
ALTER TABLE tool_keys ADD COLUMN active_from INTEGER NOT NULL DEFAULT 0;
UPDATE tool_keys SET active_from = created_at;
