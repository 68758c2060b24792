package lti

import (
	"encoding/json"
	"errors"
	"reflect"

	"github.com/golang-jwt/jwt/v5"
)

// Claim names from LTI Core 1.3, Deep Linking 2.0, AGS 2.0 and NRPS 2.0.
const (
	ClaimMessageType   = "https://purl.imsglobal.org/spec/lti/claim/message_type"
	ClaimVersion       = "https://purl.imsglobal.org/spec/lti/claim/version"
	ClaimDeploymentID  = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
	ClaimTargetLinkURI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
	ClaimResourceLink  = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
	ClaimRoles         = "https://purl.imsglobal.org/spec/lti/claim/roles"
	ClaimContext       = "https://purl.imsglobal.org/spec/lti/claim/context"
	ClaimToolPlatform  = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
	ClaimLaunchPresent = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
	ClaimCustom        = "https://purl.imsglobal.org/spec/lti/claim/custom"
	ClaimAGS           = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
	ClaimNRPS          = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
	ClaimDLSettings    = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
	ClaimDLContent     = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
	ClaimDLData        = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
	ClaimDLMessage     = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
	ClaimDLLog         = "https://purl.imsglobal.org/spec/lti-dl/claim/log"

	MessageResourceLink = "LtiResourceLinkRequest"
	MessageDeepLinking  = "LtiDeepLinkingRequest"
	MessageDLResponse   = "LtiDeepLinkingResponse"
	Version13           = "1.3.0"
)

// Claims is an LTI 1.3 id_token. Pointer fields distinguish "absent" from "empty",
// which the checklist needs (roles absent is a rejection, roles [] is valid).
type Claims struct {
	jwt.RegisteredClaims
	AZP        string `json:"azp,omitempty"`
	Nonce      string `json:"nonce,omitempty"`
	Name       string `json:"name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Email      string `json:"email,omitempty"`

	MessageType        string                   `json:"https://purl.imsglobal.org/spec/lti/claim/message_type,omitempty"`
	Version            *string                  `json:"https://purl.imsglobal.org/spec/lti/claim/version,omitempty"`
	DeploymentID       string                   `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id,omitempty"`
	TargetLinkURI      string                   `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri,omitempty"`
	ResourceLink       *ResourceLinkClaim       `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link,omitempty"`
	Roles              *StringList              `json:"https://purl.imsglobal.org/spec/lti/claim/roles,omitempty"`
	Context            *ContextClaim            `json:"https://purl.imsglobal.org/spec/lti/claim/context,omitempty"`
	ToolPlatform       *ToolPlatformClaim       `json:"https://purl.imsglobal.org/spec/lti/claim/tool_platform,omitempty"`
	LaunchPresentation *LaunchPresentationClaim `json:"https://purl.imsglobal.org/spec/lti/claim/launch_presentation,omitempty"`
	Custom             map[string]any           `json:"https://purl.imsglobal.org/spec/lti/claim/custom,omitempty"`
	AGS                *AGSClaim                `json:"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint,omitempty"`
	NRPS               *NRPSClaim               `json:"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice,omitempty"`
	DeepLinking        *DeepLinkingClaim        `json:"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings,omitempty"`
}

// ResourceLinkClaim is the resource_link claim.
type ResourceLinkClaim struct {
	ID          string `json:"id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// ContextClaim is the context claim.
type ContextClaim struct {
	ID    string     `json:"id"`
	Label string     `json:"label,omitempty"`
	Title string     `json:"title,omitempty"`
	Type  StringList `json:"type,omitempty"`
}

// ToolPlatformClaim is the tool_platform claim.
type ToolPlatformClaim struct {
	GUID              string `json:"guid,omitempty"`
	Name              string `json:"name,omitempty"`
	ProductFamilyCode string `json:"product_family_code,omitempty"`
	Version           string `json:"version,omitempty"`
}

// LaunchPresentationClaim is the launch_presentation claim.
type LaunchPresentationClaim struct {
	DocumentTarget string `json:"document_target,omitempty"`
	ReturnURL      string `json:"return_url,omitempty"`
	Locale         string `json:"locale,omitempty"`
}

// AGSClaim is the AGS endpoint claim.
type AGSClaim struct {
	Scope     StringList `json:"scope"`
	LineItems string     `json:"lineitems,omitempty"`
	LineItem  string     `json:"lineitem,omitempty"`
}

// NRPSClaim is the NRPS claim.
type NRPSClaim struct {
	ContextMembershipsURL string     `json:"context_memberships_url"`
	ServiceVersions       StringList `json:"service_versions"`
}

// DeepLinkingClaim is the deep_linking_settings claim.
type DeepLinkingClaim struct {
	ReturnURL                         string     `json:"deep_link_return_url"`
	AcceptTypes                       StringList `json:"accept_types"`
	AcceptPresentationDocumentTargets StringList `json:"accept_presentation_document_targets"`
	AcceptMediaTypes                  string     `json:"accept_media_types,omitempty"`
	AcceptMultiple                    bool       `json:"accept_multiple,omitempty"`
	AcceptLineItem                    bool       `json:"accept_lineitem,omitempty"`
	AutoCreate                        bool       `json:"auto_create,omitempty"`
	Title                             string     `json:"title,omitempty"`
	Text                              string     `json:"text,omitempty"`
	Data                              *string    `json:"data,omitempty"`
}

// StringList is a claim the spec makes a list of strings (roles, context
// type). A platform that sends one string instead gets it read as a list of
// one: the meaning is unambiguous, and refusing the launch would lock a class
// out over a formatting slip. Anything else is still a type error.
type StringList []string

// UnmarshalJSON reads a JSON array of strings, or one string as a list of one.
func (l *StringList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" { // as for a []string: no list, not a list of ""
		*l = nil
		return nil
	}
	// The decoder hands over one whole value without leading space, so its
	// first byte says which it is: a list is decoded once, as a []string
	// would be (roles and scopes are on every launch).
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		// The decoder adds the claim's name to this error; its Value is
		// already "number", "object"… for a value that is not a list.
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return err
		}
		kind := te.Value
		if len(b) > 0 && b[0] == '[' {
			kind = "a list holding something other than text"
		}
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeOf(StringList{})}
	}
	*l = many
	return nil
}

// RoleList returns the roles claim (nil-safe).
func (c *Claims) RoleList() []string {
	if c.Roles == nil {
		return []string{}
	}
	return *c.Roles
}

// CustomStrings returns custom parameters as strings (platforms may send numbers or booleans).
func (c *Claims) CustomStrings() map[string]string {
	if len(c.Custom) == 0 {
		return nil
	}
	out := make(map[string]string, len(c.Custom))
	for k, v := range c.Custom {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		default:
			out[k] = jsonString(x)
		}
	}
	return out
}
