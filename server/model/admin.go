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
	// PendingRefreshMS is how often, in milliseconds, the open console asks
	// again how many platforms and deployments wait for approval: the
	// server's setting, so that tests can shorten it (0: PendingRefreshDefault).
	PendingRefreshMS int64 `json:"pendingRefreshMs,omitempty"`
}

// PendingRefreshDefault is how often an open console counts what waits for
// approval unless the server is told otherwise.
const PendingRefreshDefault = time.Minute

// AdminStatus tells the console whether first-run setup is still open.
type AdminStatus struct {
	SetupRequired bool `json:"setupRequired"`
	SignedIn      bool `json:"signedIn"`
}

// Credentials is the body of login and setup. Setup also needs the setup
// code (the admin token from the data directory), so whoever reaches a fresh
// server first cannot make themselves its administrator.
type Credentials struct {
	Username  string `json:"username"`
	Password  string `json:"password"`
	SetupCode string `json:"setupCode,omitempty"`
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

// The console's wire types. The server encodes some answers from its own
// structs (api.PlatformView with lti.Registration, lti.Deployment and
// lti.ToolURLs; lti.Preset), since lti may not import model; these are what
// the UI decodes. TestWireContract (server/api) holds the two to the same
// JSON names, both ways.

// ToolURLs are the values an LMS administrator pastes into the LMS.
type ToolURLs struct {
	LoginURL       string `json:"loginUrl"`
	RedirectURL    string `json:"redirectUrl"`
	TargetLinkURI  string `json:"targetLinkUri"`
	JWKSURL        string `json:"jwksUrl"`
	DeepLinkingURL string `json:"deepLinkingUrl"`
	Domain         string `json:"domain"`
}

// PlatformSetup says where to paste what in one LMS.
type PlatformSetup struct {
	Where          string `json:"where"` // the LMS's page for adding a tool; "" when ltibox knows nothing more specific
	DeploymentNote string `json:"deploymentNote"`
	Hint           string `json:"hint"`
	JSON           string `json:"json"`
	JSONLabel      string `json:"jsonLabel"`
}

// Deployment is one install of a platform registration.
type Deployment struct {
	ID             int64     `json:"id"`
	RegistrationID int64     `json:"registrationId"`
	DeploymentID   string    `json:"deploymentId"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"createdAt"`
}

// Platform is a registered LMS as the console shows it.
type Platform struct {
	ID             int64         `json:"id"`
	Name           string        `json:"name"`
	Issuer         string        `json:"issuer"`
	ClientID       string        `json:"clientId"`
	AuthURL        string        `json:"authUrl"`
	TokenURL       string        `json:"tokenUrl"`
	TokenAudience  string        `json:"tokenAudience,omitempty"`
	JWKSURL        string        `json:"jwksUrl"`
	Preset         string        `json:"preset"`
	Status         string        `json:"status"`
	AllowAnonymous bool          `json:"allowAnonymous"`
	CreatedAt      time.Time     `json:"createdAt"`
	Deployments    []Deployment  `json:"deployments"`
	ToolURLs       ToolURLs      `json:"toolUrls"`
	Setup          PlatformSetup `json:"setup"`
	// Bindings counts how launches of this platform bound their login to the
	// browser, so an admin sees how often cookies failed (storage, new window).
	Bindings []LaunchBinding `json:"bindings"`
	// SameIssuer lists the other registrations with this platform's issuer
	// (only in the pending list, where an admin picks which one to approve).
	SameIssuer []PlatformRef `json:"sameIssuer,omitempty"`
}

// PlatformRef names another registration.
type PlatformRef struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	ClientID string `json:"clientId"`
	Status   string `json:"status"`
}

// LaunchBinding is how many launches of a platform used one binding.
type LaunchBinding struct {
	Binding  string    `json:"binding"` // cookie, storage, window
	Launches int64     `json:"launches"`
	LastAt   time.Time `json:"lastAt"`
}

// PlatformInput is the body of create/update platform requests.
type PlatformInput struct {
	Name           string   `json:"name"`
	Issuer         string   `json:"issuer"`
	ClientID       string   `json:"clientId"`
	AuthURL        string   `json:"authUrl"`
	TokenURL       string   `json:"tokenUrl"`
	TokenAudience  string   `json:"tokenAudience"`
	JWKSURL        string   `json:"jwksUrl"`
	Preset         string   `json:"preset"`
	Status         string   `json:"status"`
	AllowAnonymous bool     `json:"allowAnonymous"`
	Deployments    []string `json:"deployments,omitempty"`
}

// Preset is what ltibox knows about one LMS product.
type Preset struct {
	Key            string `json:"key"`
	Label          string `json:"label"`
	Issuer         string `json:"issuer"`
	AuthURL        string `json:"authUrl"`
	TokenURL       string `json:"tokenUrl"`
	JWKSURL        string `json:"jwksUrl"`
	TokenAudience  string `json:"tokenAudience,omitempty"`
	Where          string `json:"where"`
	DeploymentNote string `json:"deploymentNote"`
	Hint           string `json:"hint"`
	Dynamic        bool   `json:"dynamic"`
}

// AdminSettings are the console's tool-wide settings.
type AdminSettings struct {
	Approval        string `json:"approval"` // active | pending
	AllowPrivate    bool   `json:"allowPrivate"`
	RegistrationURL string `json:"registrationUrl"`
	KeyOverlapHours int    `json:"keyOverlapHours"`
	// KeyPrepublishMinutes: a rotated-in key is published this long before it signs.
	KeyPrepublishMinutes int `json:"keyPrepublishMinutes"`
}

// Pending lists what waits for the admin's approval.
type Pending struct {
	Platforms   []Platform          `json:"platforms"`
	Deployments []PendingDeployment `json:"deployments"`
}

// KeyInfo is a tool signing key without its private part.
type KeyInfo struct {
	KID            string     `json:"kid"`
	CreatedAt      time.Time  `json:"createdAt"`
	ActiveFrom     time.Time  `json:"activeFrom"`          // when it starts (or started) signing
	RetiredAt      *time.Time `json:"retiredAt,omitempty"` // when it stops (or stopped) signing
	PublishedUntil *time.Time `json:"publishedUntil,omitempty"`
	State          string     `json:"state"` // "next" (published, not signing yet), "current" or "retired"
	Current        bool       `json:"current"`
}

// OutboxStatus is the console's view of the grade outbox: counts per
// delivery state and the items not delivered yet.
type OutboxStatus struct {
	Counts map[string]int `json:"counts"`
	Items  []OutboxItem   `json:"items"`
}

// OutboxRetry answers a retry of named outbox items: how many were queued
// again, and those items as they stand once the LMS answered (still pending
// if it did not answer in time).
type OutboxRetry struct {
	Requeued int          `json:"requeued"`
	Items    []OutboxItem `json:"items,omitempty"`
}
