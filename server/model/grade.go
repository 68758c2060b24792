package model

import "time"

// Delivery states of a score on its way to the LMS gradebook.
const (
	DeliveryPending   = "pending"   // saved in ltibox, not sent yet
	DeliveryRetrying  = "retrying"  // the LMS was unavailable; another attempt is scheduled
	DeliveryDelivered = "delivered" // the LMS accepted it
	DeliveryFailed    = "failed"    // the LMS refused it: a configuration problem a person must fix
	// DeliveryLocal: kept in ltibox only, never sent. The instructor placed
	// the link without a gradebook column and the LMS bound none.
	DeliveryLocal = "local"
)

// Score is one score ltibox holds for a learner on a resource link, with the
// state of its delivery to the LMS.
type Score struct {
	ID               int64     `json:"id"`
	LinkID           int64     `json:"linkId"`
	UserID           int64     `json:"userId"`
	ActivityID       int64     `json:"activityId,omitempty"`
	ScoreGiven       *float64  `json:"scoreGiven,omitempty"`
	ScoreMaximum     float64   `json:"scoreMaximum"`
	ActivityProgress string    `json:"activityProgress"`
	GradingProgress  string    `json:"gradingProgress"`
	Comment          string    `json:"comment,omitempty"`
	Timestamp        time.Time `json:"timestamp"` // the AGS timestamp (microseconds)
	SetBy            int64     `json:"setBy,omitempty"`
	SetByName        string    `json:"setByName,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
	Delivery         Delivery  `json:"delivery"`
}

// Delivery is where a score is on its way to the gradebook.
type Delivery struct {
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	LastStatus    int        `json:"lastStatus,omitempty"`
	Error         string     `json:"error,omitempty"` // the LMS's own words
	DeliveredAt   *time.Time `json:"deliveredAt,omitempty"`
	// LastAttemptAt is when ltibox last tried to deliver the score (nil:
	// never). A retry keeps it, so a person sees the score was tried again.
	LastAttemptAt *time.Time `json:"lastAttemptAt,omitempty"`
}

// ScoreTarget is where a link's scores go in the LMS, kept with every queued
// score so the worker needs nothing else: the launch's line item or the
// container to find or create one in, and the token scopes the launch granted.
type ScoreTarget struct {
	LineItem       string   `json:"lineItem,omitempty"`
	LineItems      string   `json:"lineItems,omitempty"`
	Scopes         []string `json:"scopes"`
	ResourceLinkID string   `json:"resourceLinkId"`
	Label          string   `json:"label"`
	ResourceID     string   `json:"resourceId,omitempty"`
	Tag            string   `json:"tag,omitempty"`
	ScoreMaximum   float64  `json:"scoreMaximum"`
}

// NewScore is a score to store and queue.
type NewScore struct {
	RegistrationID   int64
	LinkID           int64
	UserID           int64
	ActivityID       int64
	ScoreGiven       *float64
	ScoreMaximum     float64
	ActivityProgress string
	GradingProgress  string
	Comment          string
	SetBy            int64 // 0: the learner themself
	Target           ScoreTarget
	// LocalOnly stores the score without queuing it for the gradebook
	// (its delivery state reads DeliveryLocal).
	LocalOnly bool
}

// OutboxItem is one queued delivery, as the worker and `ltibox outbox list` see it.
type OutboxItem struct {
	ID             int64       `json:"id"`
	RegistrationID int64       `json:"registrationId"`
	Subject        string      `json:"subject"` // the LTI user id the score is for
	UserName       string      `json:"userName,omitempty"`
	PlatformName   string      `json:"platformName"`          // the LMS, as named in ltibox
	CourseTitle    string      `json:"courseTitle,omitempty"` // the course's title (its label if untitled)
	Target         ScoreTarget `json:"target"`
	LineItemURL    string      `json:"lineItemUrl,omitempty"` // resolved line item, once known
	Score          Score       `json:"score"`
}

// GradeView is what a learner's activity page shows about grading.
type GradeView struct {
	Enabled      bool    `json:"enabled"`
	Reason       string  `json:"reason,omitempty"` // why grades are not enabled, in plain words
	ActivityID   int64   `json:"activityId"`
	Title        string  `json:"title"`
	Instructions string  `json:"instructions,omitempty"` // sanitized HTML
	ScoreMaximum float64 `json:"scoreMaximum"`
	Score        *Score  `json:"score,omitempty"` // the latest, if any
	// LocalOnly: scores are kept in ltibox and not sent to the course
	// gradebook (the link was placed without a gradebook column).
	LocalOnly bool `json:"localOnly,omitempty"`
}

// ScoreSubmission is what the learner's page posts.
type ScoreSubmission struct {
	ActivityID       int64    `json:"activityId"`
	UserID           int64    `json:"userId,omitempty"` // optional; must be the learner's own
	ScoreGiven       *float64 `json:"scoreGiven,omitempty"`
	ActivityProgress string   `json:"activityProgress,omitempty"` // InProgress (opening) or Completed (default)
}

// GradebookRow is one learner in the instructor's grading view.
type GradebookRow struct {
	User         User       `json:"user"`
	Source       string     `json:"source"` // launch or nrps
	Score        *Score     `json:"score,omitempty"`
	LastActivity *time.Time `json:"lastActivity,omitempty"`
}

// GradingView is the instructor's grading page for one resource link.
type GradingView struct {
	Enabled      bool           `json:"enabled"`
	Reason       string         `json:"reason,omitempty"`
	ActivityID   int64          `json:"activityId"`
	Title        string         `json:"title"`
	ScoreMaximum float64        `json:"scoreMaximum"`
	Rows         []GradebookRow `json:"rows"`
	Counts       map[string]int `json:"counts"`              // per delivery state
	LocalOnly    bool           `json:"localOnly,omitempty"` // as GradeView.LocalOnly
}

// ScoreEdit is an instructor's correction of a learner's score.
type ScoreEdit struct {
	UserID     int64    `json:"userId"`
	ScoreGiven *float64 `json:"scoreGiven"`
	Comment    string   `json:"comment"`
}

// ReadBackRow compares ltibox's score for a learner with the LMS gradebook.
type ReadBackRow struct {
	UserID    int64    `json:"userId"`
	Subject   string   `json:"subject"`
	Name      string   `json:"name"`
	Local     *float64 `json:"local,omitempty"`     // latest graded score in ltibox
	Gradebook *float64 `json:"gradebook,omitempty"` // the LMS result, scaled to the maximum of the learner's score
	Differs   bool     `json:"differs"`
	Note      string   `json:"note,omitempty"`
}

// ReadBack is the answer of "read back from the gradebook".
type ReadBack struct {
	LineItemURL  string        `json:"lineItemUrl"`
	ScoreMaximum float64       `json:"scoreMaximum"`
	Rows         []ReadBackRow `json:"rows"`
	Differences  int           `json:"differences"`
}

// Requeued is how many scores "send all pending" or a retry queued again.
type Requeued struct {
	Count int `json:"count"`
}
