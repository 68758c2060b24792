package model

import "time"

// Role is ltibox's own coarse role, mapped from the LIS role URIs of a launch.
type Role string

const (
	RoleInstructor Role = "instructor" // teachers, TAs, content developers, admins
	RoleLearner    Role = "learner"
)

// User is a person seen in a launch, keyed by platform and LTI subject.
type User struct {
	ID         int64  `json:"id"`
	PlatformID int64  `json:"platformId"`
	Subject    string `json:"subject"`
	Name       string `json:"name"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Email      string `json:"email,omitempty"`
}

// DisplayName is what the UI shows for a user; launches without PII are normal.
func (u User) DisplayName() string {
	switch {
	case u.Name != "":
		return u.Name
	case u.GivenName != "" || u.FamilyName != "":
		if u.GivenName != "" && u.FamilyName != "" {
			return u.GivenName + " " + u.FamilyName
		}
		return u.GivenName + u.FamilyName
	case u.Email != "":
		return u.Email
	}
	return "Anonymous"
}

// Context is an LMS course (or other context) seen in a launch.
type Context struct {
	ID         int64  `json:"id"`
	PlatformID int64  `json:"platformId"`
	ContextID  string `json:"contextId"`
	Label      string `json:"label,omitempty"`
	Title      string `json:"title,omitempty"`
}

// DisplayTitle is what the UI shows for a course.
func (c Context) DisplayTitle() string {
	switch {
	case c.Title != "":
		return c.Title
	case c.Label != "":
		return c.Label
	case c.ContextID != "":
		return c.ContextID
	}
	return "No course"
}

// Services says which LTI Advantage services a launch granted.
type Services struct {
	AGS         bool `json:"ags"`
	NRPS        bool `json:"nrps"`
	DeepLinking bool `json:"deepLinking"`
}

// Session is what /api/v1/session returns: the launch as the SPA sees it.
type Session struct {
	User         User      `json:"user"`
	Role         Role      `json:"role"`
	Roles        []string  `json:"roles"`
	Context      Context   `json:"context"`
	ResourceLink string    `json:"resourceLink,omitempty"`
	LinkTitle    string    `json:"linkTitle,omitempty"`
	MessageType  string    `json:"messageType"`
	Platform     string    `json:"platform"`
	Services     Services  `json:"services"`
	ExpiresAt    time.Time `json:"expiresAt"`
}
