package model

import (
	"strings"
	"time"
)

// Roster statuses. The LMS's "Deleted" (a member who left the course) is kept
// as Inactive with LeftAt set: ltibox never forgets someone who took part.
const (
	MemberActive   = "Active"
	MemberInactive = "Inactive"
)

// RosterMember is one person on a course roster, as the LMS listed them
// (NRPS), joined with what ltibox knows about them.
type RosterMember struct {
	Subject    string       `json:"subject"` // the LTI user id (sub)
	Name       string       `json:"name"`    // display name; "" when the LMS withholds names
	GivenName  string       `json:"givenName,omitempty"`
	FamilyName string       `json:"familyName,omitempty"`
	Email      string       `json:"email,omitempty"`
	Roles      []string     `json:"roles"`            // short LIS names: Instructor, Learner, ...
	Status     string       `json:"status"`           // Active or Inactive
	LeftAt     *time.Time   `json:"leftAt,omitempty"` // when the LMS stopped listing them
	LastLaunch *time.Time   `json:"lastLaunch,omitempty"`
	Scores     ScoreSummary `json:"scores"`
}

// DisplayName is what the roster shows for a member without a name.
func (m RosterMember) DisplayName() string {
	u := User{Name: m.Name, GivenName: m.GivenName, FamilyName: m.FamilyName, Email: m.Email}
	if n := u.DisplayName(); n != "Anonymous" {
		return n
	}
	return "User " + m.Subject
}

// ScoreSummary sums a member's scores over the course's graded activities.
type ScoreSummary struct {
	Scored     int     `json:"scored"`     // graded activities with a score for the member
	Activities int     `json:"activities"` // graded activities in the course
	Points     float64 `json:"points"`     // sum of scoreGiven
	Maximum    float64 `json:"maximum"`    // sum of scoreMaximum of the scored activities
}

// RosterSync is the state of a roster refresh, which runs in the background
// because a large course takes many pages.
type RosterSync struct {
	Running     bool       `json:"running"`
	Incremental bool       `json:"incremental"` // using the LMS's differences link
	Pages       int        `json:"pages"`       // pages fetched so far
	Members     int        `json:"members"`     // members received so far
	StartedAt   *time.Time `json:"startedAt,omitempty"`
	FinishedAt  *time.Time `json:"finishedAt,omitempty"`
	// Error is why the last refresh failed (code "lms_refused" when the LMS
	// said no, with its reason in Message); the stored roster is unchanged.
	Error *Error `json:"error,omitempty"`
}

// Roster is GET /api/v1/roster: the stored snapshot of a course's members.
type Roster struct {
	// Enabled is false when the launch carried no NRPS claim: the LMS has not
	// enabled the roster for ltibox. Nothing else is set then.
	Enabled          bool           `json:"enabled"`
	Context          Context        `json:"context"`
	SyncedAt         *time.Time     `json:"syncedAt,omitempty"` // nil: never synced
	Sync             RosterSync     `json:"sync"`
	GradedActivities int            `json:"gradedActivities"`
	Members          []RosterMember `json:"members"`
}

// Roster error code for a refresh the LMS refused (HTTP 4xx from NRPS).
const CodeLMSRefused = "lms_refused"

// RosterFileName is the CSV download name for a course: "roster-<label>.csv"
// with anything but letters, digits, "-" and "_" replaced, so it is safe in a
// Content-Disposition header and on every file system.
func (c Context) RosterFileName() string {
	name := c.Label
	if name == "" {
		name = c.ContextID
	}
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	if b.Len() == 0 {
		return "roster.csv"
	}
	return "roster-" + b.String() + ".csv"
}
