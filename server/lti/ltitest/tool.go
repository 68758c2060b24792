package ltitest

import (
	"crypto/rand"
	"slices"
)

// Service scopes a tool can be granted.
const (
	ScopeLineItem         = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
	ScopeLineItemReadOnly = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
	ScopeResultReadOnly   = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeScore            = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	ScopeNRPS             = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
)

// allScopes is what a tool gets when the admin grants everything.
var allScopes = []string{ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore, ScopeNRPS}

// agsScopes are the scopes that belong in the AGS endpoint claim.
var agsScopes = []string{ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore}

// ToolConfig is a tool registration on the platform side: what an LMS admin
// enters in the "external tool" form.
type ToolConfig struct {
	ClientID      string   // generated if empty
	DeploymentIDs []string // default ["1"]
	LoginURL      string   // tool OIDC initiation URL
	RedirectURIs  []string // exact matches required by /auth
	TargetLinkURI string   // default launch URL
	JWKSURL       string   // tool's JWKS, used to verify client assertions
	// Scopes the admin granted. Default: all five AGS and NRPS scopes.
	Scopes []string
}

// RegisterTool adds or replaces a tool registration and returns its client_id.
func (p *Platform) RegisterTool(cfg ToolConfig) (clientID string) {
	if cfg.ClientID == "" {
		cfg.ClientID = randomClientID()
	}
	cfg.DeploymentIDs = slices.Clone(cfg.DeploymentIDs)
	if len(cfg.DeploymentIDs) == 0 {
		cfg.DeploymentIDs = []string{"1"}
	}
	cfg.RedirectURIs = slices.Clone(cfg.RedirectURIs)
	if cfg.Scopes == nil {
		cfg.Scopes = slices.Clone(allScopes)
	} else {
		cfg.Scopes = slices.Clone(cfg.Scopes)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.tools[cfg.ClientID]; !ok {
		p.toolOrder = append(p.toolOrder, cfg.ClientID)
	}
	p.tools[cfg.ClientID] = &cfg
	return cfg.ClientID
}

// Tool returns a copy of a registration.
func (p *Platform) Tool(clientID string) (ToolConfig, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tools[clientID]
	if !ok {
		return ToolConfig{}, false
	}
	return cloneTool(t), true
}

// toolLocked finds the tool a launch is for: the named one, or the first
// registered when clientID is empty.
func (p *Platform) toolLocked(clientID string) (*ToolConfig, bool) {
	if clientID == "" {
		if len(p.toolOrder) == 0 {
			return nil, false
		}
		clientID = p.toolOrder[0]
	}
	t, ok := p.tools[clientID]
	return t, ok
}

func cloneTool(t *ToolConfig) ToolConfig {
	c := *t
	c.DeploymentIDs = slices.Clone(t.DeploymentIDs)
	c.RedirectURIs = slices.Clone(t.RedirectURIs)
	c.Scopes = slices.Clone(t.Scopes)
	return c
}

// randomClientID looks like Moodle's: 15 random letters and digits.
func randomClientID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 15)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randomToken is an unguessable opaque string for hints and access tokens.
func randomToken() string {
	return rand.Text()
}
