package model

import "time"

// LaunchSession is the server's record of one verified launch. The SPA holds an
// opaque bearer token for it; only the token's hash is stored.
type LaunchSession struct {
	ID             int64
	RegistrationID int64
	DeploymentID   string
	User           *User    // nil for an anonymous launch
	Context        *Context // nil for a launch without a course
	ResourceLinkID string
	LinkTitle      string
	MessageType    string
	Role           Role
	Roles          []string
	Claims         LaunchClaims
	Binding        string // how the login state was bound to the browser: cookie, storage, window
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// LaunchClaims keeps the parts of the id_token later requests need (service
// endpoints, deep-linking settings, custom parameters).
type LaunchClaims struct {
	PlatformName  string               `json:"platformName,omitempty"`
	TargetLinkURI string               `json:"targetLinkUri,omitempty"`
	ReturnURL     string               `json:"returnUrl,omitempty"`
	Custom        map[string]string    `json:"custom,omitempty"`
	AGS           *AGSClaim            `json:"ags,omitempty"`
	NRPS          *NRPSClaim           `json:"nrps,omitempty"`
	DeepLinking   *DeepLinkingSettings `json:"deepLinking,omitempty"`
}

// AGSClaim is the Assignment and Grade Services endpoint claim of a launch.
type AGSClaim struct {
	Scope     []string `json:"scope"`
	LineItems string   `json:"lineitems,omitempty"`
	LineItem  string   `json:"lineitem,omitempty"`
}

// NRPSClaim is the Names and Role Provisioning Services claim of a launch.
type NRPSClaim struct {
	ContextMembershipsURL string   `json:"context_memberships_url"`
	ServiceVersions       []string `json:"service_versions"`
}

// DeepLinkingSettings is the deep_linking_settings claim of a deep-linking request.
type DeepLinkingSettings struct {
	ReturnURL                         string   `json:"deep_link_return_url"`
	AcceptTypes                       []string `json:"accept_types"`
	AcceptPresentationDocumentTargets []string `json:"accept_presentation_document_targets"`
	AcceptMediaTypes                  string   `json:"accept_media_types,omitempty"`
	AcceptMultiple                    bool     `json:"accept_multiple,omitempty"`
	AcceptLineItem                    bool     `json:"accept_lineitem,omitempty"`
	AutoCreate                        bool     `json:"auto_create,omitempty"`
	Title                             string   `json:"title,omitempty"`
	Text                              string   `json:"text,omitempty"`
	Data                              *string  `json:"data,omitempty"` // nil when absent; "" must be echoed as ""
}

// Services reports which services the launch granted.
func (c LaunchClaims) Services() Services {
	return Services{AGS: c.AGS != nil, NRPS: c.NRPS != nil, DeepLinking: c.DeepLinking != nil}
}
