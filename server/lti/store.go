package lti

import (
	"context"
	"crypto/rsa"
	"errors"
	"time"
)

// Store errors. Implementations wrap these so the tool can tell the cases apart.
var (
	ErrNotFound     = errors.New("not found")
	ErrLoginUsed    = errors.New("login state already used")
	ErrLoginExpired = errors.New("login state expired")
)

// Registration and deployment statuses.
const (
	StatusActive   = "active"
	StatusPending  = "pending"
	StatusDisabled = "disabled"
	StatusRejected = "rejected" // deployments only
)

// Registration is a platform as the tool knows it, keyed by (Issuer, ClientID).
type Registration struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Issuer         string    `json:"issuer"`
	ClientID       string    `json:"clientId"`
	AuthURL        string    `json:"authUrl"`
	TokenURL       string    `json:"tokenUrl"`
	TokenAudience  string    `json:"tokenAudience,omitempty"` // Brightspace: client-assertion aud differs from the token URL
	JWKSURL        string    `json:"jwksUrl"`
	Preset         string    `json:"preset"`
	Status         string    `json:"status"`
	AllowAnonymous bool      `json:"allowAnonymous"` // accept resource-link launches without sub
	CreatedAt      time.Time `json:"createdAt"`
}

// Deployment is one install of a registration (a Moodle tool type, a Canvas
// account or course install, a Blackboard institution).
type Deployment struct {
	ID             int64     `json:"id"`
	RegistrationID int64     `json:"registrationId"`
	DeploymentID   string    `json:"deploymentId"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"createdAt"`
}

// PlatformStore gives the tool read access to registrations and deployments.
type PlatformStore interface {
	// RegistrationsByIssuer returns every registration of issuer (empty if none).
	RegistrationsByIssuer(ctx context.Context, issuer string) ([]*Registration, error)
	// Registration returns one registration by id (ErrNotFound if absent).
	Registration(ctx context.Context, id int64) (*Registration, error)
	// DeploymentStatus returns the status of a deployment, ErrNotFound if never seen.
	DeploymentStatus(ctx context.Context, registrationID int64, deploymentID string) (string, error)
}

// LoginState is what the tool remembers between login initiation and launch.
type LoginState struct {
	StateHash      string
	Nonce          string
	RegistrationID int64
	TargetLinkURI  string
	LoginHint      string
	DeploymentHint string
	Binding        string // how the state is bound to the browser: cookie, storage, window
	MessageHint    string // lti_message_hint, kept so a new-window handoff can restart this login
	StorageTarget  string // lti_storage_target (platform storage frame), "" if the platform offers none
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// LoginStore keeps login states. ConsumeLogin must be atomic: exactly one caller
// gets a state; later callers get ErrLoginUsed, and unknown states ErrNotFound.
type LoginStore interface {
	SaveLogin(ctx context.Context, s *LoginState) error
	ConsumeLogin(ctx context.Context, stateHash string) (*LoginState, error)
	// PeekLogin reads a state without spending it, with ConsumeLogin's errors.
	PeekLogin(ctx context.Context, stateHash string) (*LoginState, error)
}

// Key is one tool signing key. Its state follows from the clock: a key is
// published from CreatedAt, signs from ActiveFrom until RetiredAt, and stays
// published for the overlap window after that (see Key.State).
type Key struct {
	KID        string
	Private    *rsa.PrivateKey
	CreatedAt  time.Time
	ActiveFrom time.Time  // later than CreatedAt while the key is pre-published
	RetiredAt  *time.Time // when its successor takes over; nil while none is scheduled
}

// KeyStore keeps the tool's signing keys.
type KeyStore interface {
	// Keys returns every key, latest ActiveFrom first.
	Keys(ctx context.Context) ([]*Key, error)
	// AddKey stores k, which signs from k.ActiveFrom, atomically with the
	// hand-over: keys that would still sign then retire at k.ActiveFrom, and
	// keys that have not started signing at k.CreatedAt are deleted (they
	// never signed).
	AddKey(ctx context.Context, k *Key) error
	// ReplaceKeys stores k and deletes every other key, atomically: after a
	// leak the JWKS must stop vouching for the keys that leaked.
	ReplaceKeys(ctx context.Context, k *Key) error
}
