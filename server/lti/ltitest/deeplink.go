package ltitest

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DeepLinkResponse is a deep linking response the tool posted back.
type DeepLinkResponse struct {
	ClientID     string
	DeploymentID string
	ContentItems []map[string]any
	Data         *string // the data claim if present (Moodle sends none to echo)
	Claims       map[string]any
	RequestID    string // the request answered (the dl parameter of the return URL), "" if unknown
	Links        []Link // resource links created from it
}

// handleDeepLinkReturn is the deep_link_return_url. Like Moodle it reads the
// form field JWT and checks the response was signed by the tool's key and
// addressed to this platform before accepting any content item.
func (p *Platform) handleDeepLinkReturn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("JWT") == "" {
		writeHTMLError(w, http.StatusBadRequest, "The deep linking response has no JWT field.")
		return
	}
	resp, err := p.verifyDeepLink(r, r.PostForm.Get("JWT"))
	if err != nil {
		writeHTMLError(w, http.StatusBadRequest, "Deep linking response rejected: "+err.Error()+".")
		return
	}
	p.mu.Lock()
	req := p.dlRequests[r.URL.Query().Get("dl")]
	if req != nil {
		if err := p.checkAgainstRequest(req, &resp); err != nil {
			p.mu.Unlock()
			writeHTMLError(w, http.StatusBadRequest, "Deep linking response rejected: "+err.Error()+".")
			return
		}
		// One response per request, as Moodle's return page is single use.
		delete(p.dlRequests, req.id)
		resp.RequestID = req.id
		resp.Links = p.createLinksLocked(req, resp.ContentItems)
	}
	p.deepLinks = append(p.deepLinks, resp)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	returnPage.Execute(w, map[string]any{
		"Message": itemsReceived(len(resp.ContentItems)),
		"Home":    p.base.Path + "/",
	})
}

// itemsReceived is the return page's message: "1 item received from the
// tool.", "2 items …", or "No item …" when the instructor chose nothing.
func itemsReceived(n int) string {
	switch n {
	case 0:
		return "No item received from the tool."
	case 1:
		return "1 item received from the tool."
	}
	return fmt.Sprintf("%d items received from the tool.", n)
}

// verifyDeepLink checks a deep linking response JWT (LTI Deep Linking 2.0
// section 4.2): RS256 by a key in the tool's JWKS with a kid, iss = client_id,
// aud = our issuer, exp and iat present, and the required LTI claims.
func (p *Platform) verifyDeepLink(r *http.Request, token string) (DeepLinkResponse, error) {
	unverified, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		return DeepLinkResponse{}, fmt.Errorf("not a JWT")
	}
	iss, _ := unverified.Claims.(jwt.MapClaims)["iss"].(string)
	tool, ok := p.Tool(iss)
	if !ok {
		return DeepLinkResponse{}, fmt.Errorf("iss is not a registered client_id")
	}
	if kid, _ := unverified.Header["kid"].(string); kid == "" {
		return DeepLinkResponse{}, fmt.Errorf("header has no kid")
	}
	kf, err := p.toolKeyfunc(tool.JWKSURL)
	if err != nil {
		return DeepLinkResponse{}, err
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, kf.KeyfuncCtx(r.Context()),
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(tool.ClientID),
		jwt.WithAudience(p.Issuer()),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(assertionLeeway),
		jwt.WithTimeFunc(p.now),
	)
	if err != nil {
		return DeepLinkResponse{}, fmt.Errorf("verify: %w", err)
	}
	if iat, err := claims.GetIssuedAt(); err != nil || iat == nil {
		return DeepLinkResponse{}, fmt.Errorf("no iat")
	} else if exp, _ := claims.GetExpirationTime(); exp.Sub(iat.Time) > time.Hour {
		return DeepLinkResponse{}, fmt.Errorf("lifetime exceeds one hour")
	}
	if n, _ := claims["nonce"].(string); n == "" {
		return DeepLinkResponse{}, fmt.Errorf("no nonce")
	}
	if mt, _ := claims[claimMessageType].(string); mt != "LtiDeepLinkingResponse" {
		return DeepLinkResponse{}, fmt.Errorf("message_type is %q, want LtiDeepLinkingResponse", mt)
	}
	if v, _ := claims[claimVersion].(string); v != "1.3.0" {
		return DeepLinkResponse{}, fmt.Errorf("version is %q, want 1.3.0", v)
	}
	dep, _ := claims[claimDeploymentID].(string)
	if !slices.Contains(tool.DeploymentIDs, dep) {
		return DeepLinkResponse{}, fmt.Errorf("deployment_id %q is not registered", dep)
	}
	resp := DeepLinkResponse{ClientID: tool.ClientID, DeploymentID: dep, Claims: claims}
	if raw, present := claims[claimDLContentItems]; present {
		items, ok := raw.([]any)
		if !ok {
			return DeepLinkResponse{}, fmt.Errorf("content_items is not an array")
		}
		resp.ContentItems = []map[string]any{}
		for _, it := range items {
			item, ok := it.(map[string]any)
			if !ok {
				return DeepLinkResponse{}, fmt.Errorf("content item is not an object")
			}
			if typ, _ := item["type"].(string); typ != "ltiResourceLink" && !p.offersType(r.URL.Query().Get("dl"), typ) {
				// Moodle offers accept_types ["ltiResourceLink"] only.
				return DeepLinkResponse{}, fmt.Errorf("content item type %q was not offered", typ)
			}
			resp.ContentItems = append(resp.ContentItems, item)
		}
	}
	if d, ok := claims[claimDLData].(string); ok {
		resp.Data = &d
	}
	return resp, nil
}

// DeepLinkResponses returns the deep linking responses accepted so far.
func (p *Platform) DeepLinkResponses() []DeepLinkResponse {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.deepLinks)
}

// offersType reports whether the deep-linking request dl offered typ.
func (p *Platform) offersType(dl, typ string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	req := p.dlRequests[dl]
	return req != nil && slices.Contains(req.settings.AcceptTypes, typ)
}
