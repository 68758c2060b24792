-- The demo seed's self-assessment named the slider's button "Submit"; the
-- button reads "Submit score" (the seed in activity.go now says so, but it
-- runs only on an empty library). Rewrite only instructions that are still
-- the old seed text, character for character: an edited text is the
-- admin's and stays as it is. updated_at stays too: nobody edited it.
UPDATE activities
SET instructions = '# Self-assessment' || char(10) || char(10) ||
	'Move the slider to show how confident you feel about this week''s topic, from 0 to 10, then press **Submit score**.' || char(10) || char(10) ||
	'Your score goes to the course gradebook.'
WHERE instructions = '# Self-assessment' || char(10) || char(10) ||
	'Move the slider to show how confident you feel about this week''s topic, from 0 to 10, then press **Submit**.' || char(10) || char(10) ||
	'Your score goes to the course gradebook.';
