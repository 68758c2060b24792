package lti

import "strings"

// Preset keys. A preset is what ltibox knows about one LMS product: how it is
// recognised in dynamic registration, what the manual form can pre-fill, and
// the hints shown when a launch from it fails.
const (
	PresetMoodle      = "moodle"
	PresetCanvas      = "canvas"
	PresetBrightspace = "brightspace"
	PresetBlackboard  = "blackboard"
	PresetSakai       = "sakai"
	PresetSchoology   = "schoology"
	PresetOther       = "other"
)

// Preset describes one LMS product.
type Preset struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Issuer, AuthURL, TokenURL, JWKSURL and TokenAudience pre-fill the manual
	// form. "{site}" stands for the LMS address the admin types.
	Issuer        string `json:"issuer"`
	AuthURL       string `json:"authUrl"`
	TokenURL      string `json:"tokenUrl"`
	JWKSURL       string `json:"jwksUrl"`
	TokenAudience string `json:"tokenAudience,omitempty"`
	// Where is where the LMS administrator enters ltibox's URLs.
	Where string `json:"where"`
	// DeploymentNote says what a deployment is in this LMS.
	DeploymentNote string `json:"deploymentNote"`
	// Hint is the first thing to check when launches from this LMS fail.
	Hint string `json:"hint"`
	// Dynamic reports whether the LMS supports dynamic registration.
	Dynamic bool `json:"dynamic"`
	// families are product_family_code values that identify the LMS.
	families []string
}

// Presets lists every preset, in the order the console shows them.
var Presets = []Preset{
	{Key: PresetMoodle, Label: "Moodle", Issuer: "{site}", AuthURL: "{site}/mod/lti/auth.php", TokenURL: "{site}/mod/lti/token.php", JWKSURL: "{site}/mod/lti/certs.php",
		Where:          "Site administration → Plugins → Activity modules → External tool → Manage tools → configure a tool manually (or paste the dynamic registration URL and click \"Add LTI Advantage\").",
		DeploymentNote: "The deployment ID is the tool's id in Moodle (a small number, shown in the tool's details).",
		Hint:           "In Moodle, a dynamically registered tool stays Pending until a site administrator activates it under Manage tools; services and name/email sharing are switches on the tool.",
		Dynamic:        true, families: []string{"moodle"}},
	{Key: PresetCanvas, Label: "Canvas", Issuer: "https://canvas.instructure.com", AuthURL: "https://sso.canvaslms.com/api/lti/authorize_redirect",
		TokenURL: "https://sso.canvaslms.com/login/oauth2/token", JWKSURL: "https://sso.canvaslms.com/api/lti/security/jwks",
		Where:          "Admin → Developer Keys → + Developer Key → LTI Key (paste the JSON below or the dynamic registration URL), then Settings → Apps → + App → By Client ID.",
		DeploymentNote: "Each install (account or course) is a deployment; IDs look like 12:8865aa05b4b79b64a91a86042e43af5ea8ae79eb.",
		Hint:           "All hosted Canvas sites share the issuer https://canvas.instructure.com; the client ID (developer key) tells them apart. Check the developer key is ON and the app is installed.",
		Dynamic:        true, families: []string{"canvas"}},
	{Key: PresetBrightspace, Label: "D2L Brightspace", Issuer: "{site}", AuthURL: "{site}/d2l/lti/authenticate", TokenURL: "https://auth.brightspace.com/core/connect/token",
		JWKSURL: "{site}/d2l/.well-known/jwks", TokenAudience: "https://api.brightspace.com/auth/token",
		Where:          "Admin Tools → Manage Extensibility → LTI Advantage → Register Tool, then create a deployment and links.",
		DeploymentNote: "Create a deployment for the registration and copy its Deployment ID.",
		Hint:           "Brightspace expects the client assertion audience https://api.brightspace.com/auth/token, not the token URL.",
		Dynamic:        true, families: []string{"desire2learn", "d2l", "brightspace"}},
	{Key: PresetBlackboard, Label: "Blackboard Learn", Issuer: "https://blackboard.com", AuthURL: "https://developer.blackboard.com/api/v1/gateway/oidcauth",
		TokenURL: "https://developer.blackboard.com/api/v1/gateway/oauth2/jwttoken", JWKSURL: "https://developer.blackboard.com/api/v1/management/applications/{client_id}/jwks.json",
		Where:          "Register ltibox once at developer.blackboard.com; each institution adds it under Administrator Panel → LTI Tool Providers → Register LTI 1.3/Advantage Tool with the client ID.",
		DeploymentNote: "Every institution is its own deployment (a UUID); one client ID serves them all.",
		Hint:           "Blackboard uses one issuer and one client ID for all institutions: add each institution's deployment ID (or approve it under Pending approvals).",
		families:       []string{"blackboard", "blackboardlearn"}},
	{Key: PresetSakai, Label: "Sakai", Issuer: "{site}", AuthURL: "{site}/imsoidc/lti13/oidc_auth", TokenURL: "{site}/imsblis/lti13/token/{key}",
		JWKSURL:        "{site}/imsblis/lti13/keyset/{key}",
		Where:          "Administration Workspace → External Tools → Install LTI 1.x Tool (or LTI Advantage Auto Provision).",
		DeploymentNote: "Sakai shows the deployment ID on the tool's page after saving.",
		Hint:           "Sakai sends lti_storage_target=_parent; check the tool's LTI 1.3 settings and that the keyset URL is reachable.",
		Dynamic:        true, families: []string{"sakai"}},
	{Key: PresetSchoology, Label: "Schoology", Issuer: "https://schoology.schoology.com", AuthURL: "https://lti-service.svc.schoology.com/lti-service/authorize-redirect",
		TokenURL: "https://lti-service.svc.schoology.com/lti-service/access-token", JWKSURL: "https://lti-service.svc.schoology.com/lti-service/.well-known/jwks",
		Where:          "Schoology App Center → developer app with LTI 1.3 (manual registration only), then install it for your school.",
		DeploymentNote: "The deployment ID is shown when the app is installed.",
		Hint:           "Schoology supports manual registration only and allows deep linking only from Add Materials.",
		families:       []string{"schoology"}},
	{Key: PresetOther, Label: "Other LMS", Where: "Your LMS's LTI 1.3 / LTI Advantage tool registration page.",
		DeploymentNote: "Your LMS shows the deployment ID after the tool is installed.",
		Hint:           "Check that the issuer, client ID and keyset (JWKS) URL that ltibox has for this LMS match the values your LMS shows for the tool (ltibox lists its values in the platform's setup box: Platforms page, Setup)."},
}

// PresetByKey returns the preset with the key, or Other.
func PresetByKey(key string) Preset {
	for _, p := range Presets {
		if p.Key == key {
			return p
		}
	}
	return Presets[len(Presets)-1]
}

// DetectPreset recognises an LMS from its product_family_code (and, failing
// that, its issuer).
func DetectPreset(productFamilyCode, issuer string) string {
	code := strings.ToLower(strings.TrimSpace(productFamilyCode))
	for _, p := range Presets {
		for _, f := range p.families {
			if code == f {
				return p.Key
			}
		}
	}
	switch {
	case strings.Contains(issuer, "instructure.com"):
		return PresetCanvas
	case issuer == "https://blackboard.com":
		return PresetBlackboard
	case strings.Contains(issuer, "schoology.com"):
		return PresetSchoology
	}
	return PresetOther
}
