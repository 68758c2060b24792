package browsertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Option prepares the browser profile before Chromium starts.
type Option func(*profile)

type profile struct {
	cookieRules map[string]any // content_settings.exceptions.cookies
}

// BlockCookies blocks every cookie (Partitioned ones too) of origin through
// Chromium's own content settings, the "Sites that can't use cookies" list of
// chrome://settings/cookies. With embeddedIn "*" the block applies everywhere;
// with an origin, only while that origin is the top-level site, i.e. to
// origin's pages framed there (third-party) — first-party use stays allowed.
func BlockCookies(origin, embeddedIn string) Option {
	return func(p *profile) {
		if p.cookieRules == nil {
			p.cookieRules = map[string]any{}
		}
		p.cookieRules[origin+","+embeddedIn] = map[string]any{"setting": 2} // CONTENT_SETTING_BLOCK
	}
}

// writeProfile writes Default/Preferences for the options, if any.
func writeProfile(dir string, opts []Option) error {
	if len(opts) == 0 {
		return nil
	}
	var p profile
	for _, o := range opts {
		o(&p)
	}
	prefs := map[string]any{"profile": map[string]any{"content_settings": map[string]any{"exceptions": map[string]any{"cookies": p.cookieRules}}}}
	b, err := json.Marshal(prefs)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o755); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), b, 0o600); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}
