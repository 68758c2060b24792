-- When ltibox last tried to deliver each queued score (unix seconds; NULL:
-- never tried). A retry resets attempts but keeps this, so a person can see
-- that a retried score was tried again and when. Rows tried before this
-- column existed take their last change as the best estimate.
ALTER TABLE outbox ADD COLUMN last_attempt_at INTEGER;
UPDATE outbox SET last_attempt_at = updated_at WHERE attempts > 0 OR state IN ('retrying', 'delivered', 'failed');
