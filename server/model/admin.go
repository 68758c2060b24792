package model

import "time"

// Admin is a console administrator (never carries the password hash to the UI).
type Admin struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	CreatedAt time.Time `json:"createdAt"`
}

// AdminSession is what GET /api/admin/session returns: who is signed in and
// the CSRF token every unsafe request must send in the X-CSRF-Token header.
type AdminSession struct {
	Admin     Admin     `json:"admin"`
	CSRFToken string    `json:"csrfToken"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// AdminStatus tells the console whether first-run setup is still open.
type AdminStatus struct {
	SetupRequired bool `json:"setupRequired"`
	SignedIn      bool `json:"signedIn"`
}

// Credentials is the body of login and setup.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// RegistrationSession is one dynamic registration between reading the
// platform configuration and posting the registration.
type RegistrationSession struct {
	IDHash    string
	ConfigURL string
	Config    string // the platform configuration JSON as read
	Token     string // the platform's registration token (single use)
	Preset    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// LaunchAttempt is one launch as the launch log recorded it.
type LaunchAttempt struct {
	ID             int64          `json:"id"`
	CreatedAt      time.Time      `json:"createdAt"`
	RegistrationID int64          `json:"registrationId,omitempty"`
	Platform       string         `json:"platform,omitempty"`
	Preset         string         `json:"preset,omitempty"`
	Issuer         string         `json:"issuer"`
	ClientID       string         `json:"clientId"`
	DeploymentID   string         `json:"deploymentId"`
	MessageType    string         `json:"messageType"`
	OK             bool           `json:"ok"`
	Check          string         `json:"check,omitempty"`
	Title          string         `json:"title,omitempty"`
	Message        string         `json:"message,omitempty"`
	Header         map[string]any `json:"header,omitempty"`
	Claims         map[string]any `json:"claims,omitempty"`
	Hint           string         `json:"hint,omitempty"`
}

// PendingDeployment is a deployment waiting for the admin's approval.
type PendingDeployment struct {
	RegistrationID int64     `json:"registrationId"`
	Platform       string    `json:"platform"`
	Issuer         string    `json:"issuer"`
	ClientID       string    `json:"clientId"`
	DeploymentID   string    `json:"deploymentId"`
	CreatedAt      time.Time `json:"createdAt"`
}
