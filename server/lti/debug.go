package lti

import (
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// DecodeUnverified returns the JOSE header and the claims of a JWT without
// checking anything, for the launch debugger. The signature is dropped: only
// what the platform said is kept, never the proof. Returns nils for anything
// that is not a readable JWT.
func DecodeUnverified(raw string) (header, claims map[string]any) {
	if raw == "" || strings.Count(raw, ".") != 2 || len(raw) > 64<<10 {
		return nil, nil
	}
	mc := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, mc)
	if err != nil {
		return nil, nil
	}
	return tok.Header, map[string]any(mc)
}

// CheckHints say, per failed check, what an administrator should look at.
var CheckHints = map[string]string{
	"login.platform_unknown":          "No platform in ltibox has this issuer and client ID: compare both with the values the LMS shows for ltibox, or add the platform.",
	"login.platform_pending":          "The platform waits for approval: approve it under Pending approvals.",
	"launch.kid_unknown":              "The LMS signed with a key its JWKS URL does not publish: check the platform's JWKS URL in ltibox.",
	"launch.jwks_unavailable":         "ltibox could not fetch the LMS keys: check the JWKS URL and that the LMS is reachable from the ltibox server.",
	"launch.claim_type":               "The LMS sent a claim in a type LTI 1.3 does not allow (the message names it; the claims below show what came): report it to the LMS vendor. Relaunching does not help.",
	"launch.signature_invalid":        "The signature does not match the LMS keys: check the JWKS URL belongs to this LMS.",
	"launch.aud_mismatch":             "The id_token is for another client ID: check the client ID stored in ltibox matches the one the LMS shows for ltibox.",
	"launch.iss_mismatch":             "The issuer differs from the login's: check the platform's issuer in ltibox.",
	"launch.expired":                  "The token expired before it arrived: compare the clocks of the LMS and the ltibox server.",
	"launch.iat_future":               "The token is dated in the future: the clocks of the LMS and the ltibox server disagree.",
	"launch.deployment_unknown":       "This deployment is new to ltibox: approve it under Pending approvals (it was queued automatically) or add it to the platform.",
	"launch.deployment_pending":       "Approve the deployment under Pending approvals.",
	"launch.deployment_rejected":      "The deployment was rejected: press Approve on its row under Deployments to allow its launches.",
	"launch.platform_disabled":        "The platform is pending or disabled in ltibox: approve it under Pending approvals if it is pending, or press Activate on its row under Platforms if it is disabled.",
	"launch.state_unbound":            "The browser dropped the login cookie (third-party cookies blocked): open the tool in a new window, or use an LMS with platform storage.",
	"launch.state_expired":            "The launch took longer than the login lifetime: relaunch.",
	"launch.target_link_uri_mismatch": "The LMS launched a different URL than it announced at login: check the tool's target link URI in the LMS.",
	"launch.dl_return_url_insecure":   "The deep-linking return URL is not https: the LMS must be served over https.",
}
