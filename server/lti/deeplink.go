package lti

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Content item types of Deep Linking 2.0 (section 3).
const (
	ContentLTIResourceLink = "ltiResourceLink"
	ContentLink            = "link"
	ContentFile            = "file"
	ContentHTML            = "html"
	ContentImage           = "image"
)

// Presentation document targets a platform may accept.
const (
	TargetFrame  = "frame"
	TargetIframe = "iframe"
	TargetWindow = "window"
)

// DeepLinkLifetime is how long a signed deep-linking response stays valid.
// The browser posts it back at once, so a few minutes cover slow networks;
// anything longer only widens a replay window.
const DeepLinkLifetime = 5 * time.Minute

// ContentItem is one item of a deep-linking response. ltibox returns
// ltiResourceLink items; the other types exist so refusals can be tested and
// so the validation speaks the whole vocabulary.
type ContentItem struct {
	Type     string            `json:"type"`
	URL      string            `json:"url,omitempty"`
	Title    string            `json:"title,omitempty"`
	Text     string            `json:"text,omitempty"`
	HTML     string            `json:"html,omitempty"`
	Custom   map[string]string `json:"custom,omitempty"`
	LineItem *ContentLineItem  `json:"lineItem,omitempty"`
	Iframe   *IframeTarget     `json:"iframe,omitempty"`
	Window   *WindowTarget     `json:"window,omitempty"`
}

// ContentLineItem asks the platform to create a gradebook column for the link
// (Deep Linking 2.0 section 3.1, "lineItem").
type ContentLineItem struct {
	Label        string  `json:"label,omitempty"`
	ScoreMaximum float64 `json:"scoreMaximum"`
	ResourceID   string  `json:"resourceId,omitempty"`
	Tag          string  `json:"tag,omitempty"`
}

// IframeTarget asks for the link to be embedded in an iframe.
type IframeTarget struct {
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// WindowTarget asks for the link to open in a new window.
type WindowTarget struct {
	TargetName     string `json:"targetName,omitempty"`
	Width          int    `json:"width,omitempty"`
	Height         int    `json:"height,omitempty"`
	WindowFeatures string `json:"windowFeatures,omitempty"`
}

// Target is the presentation target the item asks for: window, iframe, or ""
// when it leaves the choice to the platform.
func (c ContentItem) Target() string {
	switch {
	case c.Window != nil:
		return TargetWindow
	case c.Iframe != nil:
		return TargetIframe
	}
	return ""
}

// WithTarget returns the item set to open in target ("frame" and "" leave the
// choice to the platform, which shows it in its own frame by default).
func (c ContentItem) WithTarget(target string) ContentItem {
	c.Iframe, c.Window = nil, nil
	switch target {
	case TargetIframe:
		c.Iframe = &IframeTarget{}
	case TargetWindow:
		c.Window = &WindowTarget{TargetName: "_blank"}
	}
	return c
}

// DeepLinkResponse is what the tool returns to a deep-linking request.
type DeepLinkResponse struct {
	Registration *Registration
	DeploymentID string
	// Settings are the deep_linking_settings of the request being answered.
	Settings *DeepLinkingClaim
	// Items may be empty: that is how a cancelled selection is reported.
	Items []ContentItem
	// Message and Log are the optional msg and log claims.
	Message, Log string
}

// ValidateDeepLink checks the selection against what the platform said it
// accepts. A violation is refused with a readable CheckError and never signed
// (checklist 35).
func ValidateDeepLink(r DeepLinkResponse) error {
	refuse := func(check, msg string) error {
		return (&CheckError{Check: check, Status: 400, Title: "The LMS does not accept this selection", Message: msg,
			Hint: "Change the selection, or cancel to return to your course without adding anything."}).with(r.Registration, nil)
	}
	s := r.Settings
	switch {
	case r.Registration == nil || s == nil:
		return refuse("deeplink.not_requested", "This session did not start from a deep-linking request, so there is nothing to answer.")
	case s.ReturnURL == "":
		return refuse("deeplink.return_url_missing", "The LMS did not say where to send the selection (no deep_link_return_url).")
	case r.DeploymentID == "":
		return refuse("deeplink.deployment_missing", "The deep-linking request did not name its deployment.")
	case len(r.Items) > 1 && !s.AcceptMultiple:
		return refuse("deeplink.multiple_not_accepted", fmt.Sprintf("The LMS accepts only one item here, but %d were selected.", len(r.Items)))
	}
	for i, it := range r.Items {
		name := it.Title
		if name == "" {
			name = fmt.Sprintf("item %d", i+1)
		}
		switch {
		case it.Type == "":
			return refuse("deeplink.type_missing", fmt.Sprintf("%q has no content type.", name))
		case !slices.Contains(s.AcceptTypes, it.Type):
			return refuse("deeplink.type_not_accepted", fmt.Sprintf("The LMS does not accept content of type %q here (it accepts %v), so %q cannot be added.", it.Type, s.AcceptTypes, name))
		case it.LineItem != nil && !s.AcceptLineItem:
			return refuse("deeplink.lineitem_not_accepted", fmt.Sprintf("The LMS does not accept gradebook columns here, so %q cannot be added as graded. Add it without grading.", name))
		case it.LineItem != nil && it.Type != ContentLTIResourceLink:
			return refuse("deeplink.lineitem_invalid", fmt.Sprintf("Only LTI links can carry a gradebook column (%q is %q).", name, it.Type))
		case it.LineItem != nil && !(it.LineItem.ScoreMaximum > 0):
			return refuse("deeplink.lineitem_invalid", fmt.Sprintf("The gradebook column of %q needs a maximum score above 0.", name))
		}
		if tg := it.Target(); tg != "" && len(s.AcceptPresentationDocumentTargets) > 0 && !slices.Contains(s.AcceptPresentationDocumentTargets, tg) {
			return refuse("deeplink.target_not_accepted", fmt.Sprintf("The LMS cannot open %q in a %s (it offers %v).", name, tg, s.AcceptPresentationDocumentTargets))
		}
	}
	return nil
}

// SignDeepLink validates r and signs the LtiDeepLinkingResponse JWT the
// browser posts to the return URL (Deep Linking 2.0 section 4.2): RS256 with
// the current key's kid, iss = client_id, aud = the platform issuer (one
// string: Brightspace fails on arrays), a fresh nonce, a short exp,
// deployment_id, version, message_type, content_items (always an array) and
// data echoed verbatim when the request carried it, even "".
func (t *Tool) SignDeepLink(ctx context.Context, r DeepLinkResponse) (string, error) {
	if err := ValidateDeepLink(r); err != nil {
		return "", err
	}
	key, err := t.SigningKey(ctx)
	if err != nil {
		return "", fmt.Errorf("sign deep link: %w", err)
	}
	nonce, err := randomToken()
	if err != nil {
		return "", fmt.Errorf("sign deep link: %w", err)
	}
	items := r.Items
	if items == nil {
		items = []ContentItem{}
	}
	now := t.cfg.Now()
	claims := jwt.MapClaims{
		"iss":             r.Registration.ClientID,
		"aud":             r.Registration.Issuer,
		"iat":             now.Unix(),
		"exp":             now.Add(DeepLinkLifetime).Unix(),
		"nonce":           nonce,
		ClaimDeploymentID: r.DeploymentID,
		ClaimMessageType:  MessageDLResponse,
		ClaimVersion:      Version13,
		ClaimDLContent:    items,
	}
	if r.Settings.Data != nil {
		claims[ClaimDLData] = *r.Settings.Data
	}
	if r.Message != "" {
		claims[ClaimDLMessage] = r.Message
	}
	if r.Log != "" {
		claims[ClaimDLLog] = r.Log
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = key.KID
	signed, err := tok.SignedString(key.Private)
	if err != nil {
		return "", fmt.Errorf("sign deep link: %w", err)
	}
	return signed, nil
}
