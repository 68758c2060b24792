-- The demo seed's self-assessment promised "Your score goes to the course
-- gradebook.", which is false on a link placed without a gradebook column
-- (its scores stay in ltibox). The seed in activity.go now says where the
-- page tells it; rewrite only instructions still holding the previous seed
-- text character for character (as 0011 did): an edited text is the admin's.
UPDATE activities
SET instructions = '# Self-assessment' || char(10) || char(10) ||
	'Move the slider to show how confident you feel about this week''s topic, from 0 to 10, then press **Submit score**.' || char(10) || char(10) ||
	'Your score is saved when you press **Submit score**; the line under the slider says whether it goes to the course gradebook.'
WHERE instructions = '# Self-assessment' || char(10) || char(10) ||
	'Move the slider to show how confident you feel about this week''s topic, from 0 to 10, then press **Submit score**.' || char(10) || char(10) ||
	'Your score goes to the course gradebook.';
