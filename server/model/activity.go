package model

import "time"

// ScoreMaximumLimit is the largest maximum score a graded activity may have.
// The store refuses more, and every form's maximum-score input carries it as
// its max attribute, so the browser stops an author before the server has to
// and the two can never disagree about the number.
const ScoreMaximumLimit = 10_000

// Activity is something instructors place in their course through deep linking:
// a reading, or a graded self-assessment with a score slider.
type Activity struct {
	ID               int64      `json:"id"`
	Title            string     `json:"title"`
	Instructions     string     `json:"instructions"`               // Markdown, as the author wrote it
	InstructionsHTML string     `json:"instructionsHtml,omitempty"` // rendered and sanitized on the server
	Graded           bool       `json:"graded"`
	ScoreMaximum     float64    `json:"scoreMaximum,omitempty"`
	Tag              string     `json:"tag,omitempty"`
	StartAt          *time.Time `json:"startAt,omitempty"`
	EndAt            *time.Time `json:"endAt,omitempty"`
	// ContextID owns the activity (a course, model.Context.ID); 0 means the
	// tool-wide library that every course can pick from.
	ContextID int64     `json:"contextId,omitempty"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ActivityFilter selects activities for a picker or a library page.
type ActivityFilter struct {
	ContextID       int64  // the course's own activities (0: none)
	Library         bool   // include the tool-wide library
	IncludeArchived bool   //
	Query           string // matches title, instructions or tag (case-insensitive)
	Graded          *bool  // only graded / only ungraded
}

// ResourceLink is an LMS link (placement) and the activity it opens. Deep
// linking creates it with custom.activity_id; links made by hand in the LMS
// get their activity chosen once by an instructor.
type ResourceLink struct {
	ID             int64     `json:"id"`
	RegistrationID int64     `json:"registrationId"`
	DeploymentID   string    `json:"deploymentId"`
	ContextID      int64     `json:"contextId,omitempty"`
	ResourceLinkID string    `json:"resourceLinkId"`
	Title          string    `json:"title,omitempty"`
	ActivityID     int64     `json:"activityId,omitempty"` // 0: not set up yet
	LineItemURL    string    `json:"lineItemUrl,omitempty"`
	UpdatedAt      time.Time `json:"updatedAt"`
}
