package ltitest

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claim names, spelled once.
const (
	claimLTI            = "https://purl.imsglobal.org/spec/lti/claim/"
	claimMessageType    = claimLTI + "message_type"
	claimVersion        = claimLTI + "version"
	claimDeploymentID   = claimLTI + "deployment_id"
	claimTargetLink     = claimLTI + "target_link_uri"
	claimResourceLink   = claimLTI + "resource_link"
	claimRoles          = claimLTI + "roles"
	claimContext        = claimLTI + "context"
	claimToolPlatform   = claimLTI + "tool_platform"
	claimPresentation   = claimLTI + "launch_presentation"
	claimCustom         = claimLTI + "custom"
	claimAGS            = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
	claimNRPS           = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
	claimDeepLinking    = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
	claimDLContentItems = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
	claimDLData         = "https://purl.imsglobal.org/spec/lti-dl/claim/data"

	courseOffering    = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
	productFamilyCode = "ltibox-emulator"

	// idTokenLifetime is Moodle's: exp = iat + 60 s.
	idTokenLifetime = 60 * time.Second
)

// Message types.
const (
	MessageResourceLink = "LtiResourceLinkRequest"
	MessageDeepLinking  = "LtiDeepLinkingRequest"
)

// SignWith values for LaunchSpec.
const (
	SignRS256       = ""
	SignNone        = "none"
	SignHS256PubKey = "HS256-pubkey"
	SignOtherKey    = "other-key"
)

// launch is a LaunchSpec with every default filled in and the directory
// entries it names copied out, so token building needs no lock.
type launch struct {
	spec         LaunchSpec
	tool         ToolConfig
	deploymentID string
	user         *User   // nil for anonymous launches
	course       *Course // nil without context
	roles        []string
	loginHint    string
	targetLink   string
}

// resolve applies LaunchSpec defaults and looks up tool, user and course.
// It declares the resource link in the course so line items can bind to it.
func (p *Platform) resolve(spec LaunchSpec) (launch, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.toolLocked(spec.ClientID)
	if !ok {
		if spec.ClientID == "" {
			return launch{}, errors.New("no tool registered")
		}
		return launch{}, fmt.Errorf("unknown client_id %q", spec.ClientID)
	}
	l := launch{spec: spec, tool: cloneTool(t), deploymentID: spec.DeploymentID}
	if l.deploymentID == "" {
		l.deploymentID = t.DeploymentIDs[0]
	}
	if l.spec.MessageType == "" {
		l.spec.MessageType = MessageResourceLink
	}
	if l.spec.ResourceLinkID == "" {
		l.spec.ResourceLinkID = "rl-1"
	}
	if l.spec.ResourceLinkTitle == "" {
		l.spec.ResourceLinkTitle = "Activity 1"
	}
	l.targetLink = spec.TargetLinkURI
	if l.targetLink == "" {
		l.targetLink = t.TargetLinkURI
	}
	userID := spec.UserID
	if userID == "" && !spec.Anonymous {
		userID = "student"
	}
	l.loginHint = userID
	if spec.Anonymous {
		l.loginHint = "anonymous"
	}
	var u *User
	if userID != "" {
		found, ok := p.users[userID]
		if !ok {
			return l, fmt.Errorf("unknown user %q", userID)
		}
		c := *found
		c.Roles = slices.Clone(found.Roles)
		u = &c
	}
	if !spec.Anonymous {
		l.user = u
	}
	var roles []string
	if u != nil {
		roles = u.Roles
	}
	if !spec.NoContext {
		courseID := spec.CourseID
		if courseID == "" {
			courseID = "course-101"
		}
		c, ok := p.courses[courseID]
		if !ok {
			return l, fmt.Errorf("unknown course %q", courseID)
		}
		cc := c.Course
		l.course = &cc
		if u != nil {
			if m, ok := c.members[u.ID]; ok {
				if m.status != StatusActive {
					return l, fmt.Errorf("user %q is %s in %q", u.ID, m.status, courseID)
				}
				roles = m.roles
			}
		}
		if l.spec.MessageType == MessageResourceLink {
			if _, ok := c.links[l.spec.ResourceLinkID]; !ok {
				c.links[l.spec.ResourceLinkID] = l.spec.ResourceLinkTitle
			}
		}
	} else if spec.WithAGS || spec.WithNRPS {
		return l, errors.New("ags and nrps claims need a context")
	}
	if spec.Roles != nil {
		roles = spec.Roles
	}
	l.roles = slices.Clone(roles)
	if l.roles == nil {
		l.roles = []string{}
	}
	return l, nil
}

// IDToken signs an id_token for spec with the given nonce, honouring every
// negative-test knob. It does not register a pending launch.
func (p *Platform) IDToken(spec LaunchSpec, nonce string) (string, error) {
	l, err := p.resolve(spec)
	if err != nil {
		return "", fmt.Errorf("id token: %w", err)
	}
	return p.idToken(l, nonce)
}

// idToken builds, mutates and signs the claims of a resolved launch.
func (p *Platform) idToken(l launch, nonce string) (string, error) {
	claims := p.claims(l, nonce)
	if l.spec.Mutate != nil {
		l.spec.Mutate(claims)
	}
	tok, err := p.sign(claims, l.spec)
	if err != nil {
		return "", fmt.Errorf("id token: %w", err)
	}
	return tok, nil
}

// claims is the spec-exact payload of a launch. Nested objects are plain maps
// so Mutate can reach into them.
func (p *Platform) claims(l launch, nonce string) map[string]any {
	now := p.now()
	c := map[string]any{
		"iss":             p.Issuer(),
		"aud":             l.tool.ClientID,
		"azp":             l.tool.ClientID,
		"iat":             now.Unix(),
		"exp":             now.Add(idTokenLifetime).Unix(),
		"nonce":           nonce,
		claimMessageType:  l.spec.MessageType,
		claimVersion:      "1.3.0",
		claimDeploymentID: l.deploymentID,
		claimTargetLink:   l.targetLink,
		claimRoles:        l.roles,
		claimToolPlatform: map[string]any{
			"guid":                p.guid,
			"name":                p.opts.Name,
			"product_family_code": p.productFamilyCode(),
			"version":             "1.0",
		},
		claimPresentation: map[string]any{
			"document_target": "iframe",
			"return_url":      p.baseURL + "/return",
			"locale":          "en",
		},
	}
	if l.user != nil {
		c["sub"] = l.user.ID
		if !l.spec.OmitPII {
			for k, v := range map[string]string{"name": l.user.Name, "given_name": l.user.GivenName,
				"family_name": l.user.FamilyName, "email": l.user.Email} {
				if v != "" {
					c[k] = v
				}
			}
		}
	}
	switch l.spec.MessageType {
	case MessageResourceLink:
		c[claimResourceLink] = map[string]any{"id": l.spec.ResourceLinkID, "title": l.spec.ResourceLinkTitle}
	case MessageDeepLinking:
		// Moodle's deep linking settings unless the spec sets its own; no
		// resource link. The return URL names the request (deeplink_links.go).
		c[claimDeepLinking] = p.deepLinkSettingsClaim(l)
	}
	if l.course != nil {
		c[claimContext] = map[string]any{
			"id":    l.course.ID,
			"label": l.course.Label,
			"title": l.course.Title,
			"type":  []string{courseOffering},
		}
	}
	if len(l.spec.Custom) > 0 {
		custom := map[string]any{}
		for k, v := range l.spec.Custom {
			custom[k] = v
		}
		c[claimCustom] = custom
	}
	var scopes []string
	for _, s := range l.tool.Scopes {
		if slices.Contains(agsScopes, s) {
			scopes = append(scopes, s)
		}
	}
	// Like Moodle, a service the admin did not enable for the tool is not
	// advertised, whatever the launch asks for.
	if l.spec.WithAGS && l.course != nil && len(scopes) > 0 {
		ags := map[string]any{
			"scope":     scopes,
			"lineitems": p.lineItemsURL(l.course.ID),
		}
		if l.spec.LineItemID != "" {
			ags["lineitem"] = p.lineItemURL(l.course.ID, l.spec.LineItemID)
		}
		c[claimAGS] = ags
	}
	if l.spec.WithNRPS && l.course != nil && slices.Contains(l.tool.Scopes, ScopeNRPS) {
		c[claimNRPS] = map[string]any{
			"context_memberships_url": p.membershipsURL(l.course.ID),
			"service_versions":        []string{"2.0"},
		}
	}
	return c
}

// sign serialises header and claims and signs them the way spec.SignWith asks.
// The bad variants exist so the tool's rejection of each can be tested.
func (p *Platform) sign(claims map[string]any, spec LaunchSpec) (string, error) {
	p.mu.Lock()
	key, kid := p.key, p.kid
	p.mu.Unlock()
	header := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}
	switch spec.SignWith {
	case SignRS256, SignOtherKey:
	case SignNone:
		header["alg"] = "none"
	case SignHS256PubKey:
		header["alg"] = "HS256"
	default:
		return "", fmt.Errorf("unknown SignWith %q", spec.SignWith)
	}
	if spec.Header != nil {
		spec.Header(header)
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("marshal header: %w", err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	signing := b64(hb) + "." + b64(cb)
	var sig []byte
	switch spec.SignWith {
	case SignRS256:
		sig, err = jwt.SigningMethodRS256.Sign(signing, key)
	case SignOtherKey:
		var other *rsa.PrivateKey
		if other, err = p.otherSigningKey(); err == nil {
			sig, err = jwt.SigningMethodRS256.Sign(signing, other)
		}
	case SignHS256PubKey:
		var der []byte
		if der, err = x509.MarshalPKIXPublicKey(&key.PublicKey); err == nil {
			secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			sig, err = jwt.SigningMethodHS256.Sign(signing, secret)
		}
	}
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	if spec.Tamper {
		cb = tamper(cb)
		signing = b64(hb) + "." + b64(cb)
	}
	return signing + "." + b64(sig), nil
}

// tamper flips the case of one letter inside the payload JSON (preferably in
// product_family_code, which no tool validates), so the token still parses and
// only the signature check can catch the change.
func tamper(payload []byte) []byte {
	out := bytes.Clone(payload)
	start := 0
	if i := bytes.Index(out, []byte(`"product_family_code":"`)); i >= 0 {
		start = i + len(`"product_family_code":"`)
	} else if i := bytes.Index(out, []byte(`":"`)); i >= 0 {
		start = i + 3
	}
	for i := start; i < len(out); i++ {
		if ch := out[i] | 0x20; ch >= 'a' && ch <= 'z' {
			out[i] ^= 0x20
			return out
		}
	}
	if len(out) > 0 {
		out[len(out)/2] ^= 0x01
	}
	return out
}

// Service URLs handed to the tool in claims.
func (p *Platform) lineItemsURL(courseID string) string {
	return p.baseURL + "/ags/" + url.PathEscape(courseID) + "/lineitems"
}

func (p *Platform) lineItemURL(courseID, id string) string {
	return p.lineItemsURL(courseID) + "/" + url.PathEscape(id)
}

func (p *Platform) membershipsURL(courseID string) string {
	return p.baseURL + "/nrps/" + url.PathEscape(courseID) + "/memberships"
}
