package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// jwksKIDs lists the kids the tool publishes, in order.
func jwksKIDs(t *testing.T, tool *lti.Tool) []string {
	t.Helper()
	raw, err := tool.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KID)
	}
	return kids
}

func signingKID(t *testing.T, tool *lti.Tool) string {
	t.Helper()
	k, err := tool.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return k.KID
}

func wantKIDs(t *testing.T, when string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: JWKS kids %q, want %q", when, got, want)
	}
}

// TestRotateKey_PublishesBeforeSigning: a rotated-in key is in the JWKS at
// once, signs only after the pre-publication window (the key cache turns over
// at that moment, not up to a minute later), and the old key then stays
// published for the overlap window. A second rotation inside the window is
// refused and stores nothing.
func TestRotateKey_PublishesBeforeSigning(t *testing.T) {
	clock := &ltitest.Clock{}
	f := newServiceFixtureCfg(t, lti.Config{Now: clock.Now, KeyPrepublish: 10 * time.Minute, KeyOverlap: 24 * time.Hour}, ltitest.Options{Now: clock.Now})
	ctx := context.Background()
	old := signingKID(t, f.tool)
	next, err := f.tool.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := next.ActiveFrom.Sub(next.CreatedAt); d != 10*time.Minute {
		t.Errorf("new key signs %s after it was made, want 10m", d)
	}
	wantKIDs(t, "right after the rotation", jwksKIDs(t, f.tool), old, next.KID)
	if got := signingKID(t, f.tool); got != old {
		t.Errorf("signing with %s right after the rotation, want the old key %s", got, old)
	}

	_, err = f.tool.RotateKey(ctx)
	var pending *lti.RotationPendingError
	if !errors.As(err, &pending) || pending.Next.KID != next.KID || !strings.Contains(err.Error(), "already published and starts signing at") {
		t.Fatalf("second rotation inside the window: %v, want a RotationPendingError naming %s", err, next.KID)
	}
	wantKIDs(t, "after the refused rotation", jwksKIDs(t, f.tool), old, next.KID)

	clock.Advance(10*time.Minute - 2*time.Second)
	if got := signingKID(t, f.tool); got != old {
		t.Errorf("signing with %s just before the hand-over, want %s", got, old)
	}
	clock.Advance(2 * time.Second)
	if got := signingKID(t, f.tool); got != next.KID {
		t.Errorf("signing with %s at the hand-over, want the new key %s", got, next.KID)
	}
	wantKIDs(t, "after the hand-over", jwksKIDs(t, f.tool), next.KID, old)

	clock.Advance(24*time.Hour + time.Second)
	wantKIDs(t, "after the overlap window", jwksKIDs(t, f.tool), next.KID)
}

// TestRotateKey_CachingLMSKeepsAcceptingTokens: an LMS that keeps our key set
// for its max-age and never refetches on an unknown kid still accepts every
// client assertion through a rotation, because the new key is in the set it
// fetches before the new key signs.
func TestRotateKey_CachingLMSKeepsAcceptingTokens(t *testing.T) {
	clock := &ltitest.Clock{}
	f := newServiceFixtureCfg(t, lti.Config{Now: clock.Now, KeyPrepublish: 10 * time.Minute}, ltitest.Options{Now: clock.Now, KeepToolKeys: true})
	ctx := context.Background()
	token := func(when string) {
		t.Helper()
		f.tool.ForgetTokens()
		if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore}); err != nil {
			t.Fatalf("%s: token refused: %v", when, err)
		}
	}
	token("before the rotation") // the LMS caches the set {old}
	next, err := f.tool.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	token("right after the rotation")
	clock.Advance(5 * time.Minute)
	f.lms.ForgetToolKeys() // max-age=300 ran out: the LMS fetches {old, next}
	token("after the LMS refreshed its cache")
	clock.Advance(5 * time.Minute)
	if got := signingKID(t, f.tool); got != next.KID {
		t.Fatalf("signing with %s after the window, want %s", got, next.KID)
	}
	token("after the hand-over")
}

// TestRotateKeyNow_CachingLMSRefusesUntilItRefetches shows what pre-publication
// prevents, and that the emulator's caching mode is faithful: a key that signs
// at once is refused by an LMS whose cached set lacks it, until the cache
// runs out.
func TestRotateKeyNow_CachingLMSRefusesUntilItRefetches(t *testing.T) {
	f := newServiceFixtureCfg(t, lti.Config{}, ltitest.Options{KeepToolKeys: true})
	ctx := context.Background()
	if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tool.RotateKeyNow(ctx); err != nil {
		t.Fatal(err)
	}
	f.tool.ForgetTokens()
	if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore}); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("token with a key the LMS has not fetched: %v, want invalid_client", err)
	}
	f.lms.ForgetToolKeys()
	f.tool.ForgetTokens() // the tool remembers a refusal for a while
	if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore}); err != nil {
		t.Fatalf("token after the LMS refetched: %v", err)
	}
}

// TestRotateKeyNow_WithdrawsEveryOtherKey: the rotation for a leak signs with
// a new key at once and publishes no other key, neither the current one, nor
// one retired earlier and still in its overlap window, nor one waiting to sign
// (all sat in the same store as the one that leaked).
func TestRotateKeyNow_WithdrawsEveryOtherKey(t *testing.T) {
	clock := &ltitest.Clock{}
	f := newServiceFixtureCfg(t, lti.Config{Now: clock.Now, KeyPrepublish: 10 * time.Minute}, ltitest.Options{Now: clock.Now})
	ctx := context.Background()
	first := signingKID(t, f.tool)
	second, err := f.tool.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	waiting, err := f.tool.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantKIDs(t, "before the leak", jwksKIDs(t, f.tool), second.KID, waiting.KID, first)
	now, err := f.tool.RotateKeyNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := signingKID(t, f.tool); got != now.KID {
		t.Errorf("signing with %s, want %s", got, now.KID)
	}
	wantKIDs(t, "after the rotation for a leak", jwksKIDs(t, f.tool), now.KID)
	if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore}); err != nil {
		t.Errorf("token with the new key: %v", err)
	}
}
