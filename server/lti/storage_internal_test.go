package lti

import "testing"

// The extra rules of a platform-storage launch, before any token check.
func TestCheckStorageBinding(t *testing.T) {
	storageLogin := &LoginState{Binding: BindingStorage, Nonce: "n1"}
	cookieLogin := &LoginState{Binding: BindingCookie, Nonce: "n1"}
	for _, sc := range []struct {
		name  string
		req   LaunchRequest
		login *LoginState
		check string // "" = accepted
	}{
		{"cookie launch: no extra rule", LaunchRequest{}, cookieLogin, ""},
		{"storage launch of a storage login", LaunchRequest{Binding: BindingStorage, BoundNonce: "n1"}, storageLogin, ""},
		{"storage launch of a cookie login", LaunchRequest{Binding: BindingStorage, BoundNonce: "n1"}, cookieLogin, "launch.storage_not_offered"},
		{"nonce read back differs", LaunchRequest{Binding: BindingStorage, BoundNonce: "n2"}, storageLogin, "launch.storage_nonce_mismatch"},
		{"no nonce read back", LaunchRequest{Binding: BindingStorage}, storageLogin, "launch.storage_nonce_mismatch"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			err := checkStorageBinding(sc.req, sc.login)
			if sc.check == "" {
				if err != nil {
					t.Errorf("rejected: %v", err)
				}
				return
			}
			ce, ok := AsCheckError(err)
			if !ok || ce.Check != sc.check || ce.Status != 401 || ce.Message == "" || ce.Hint == "" {
				t.Errorf("got %v, want a readable %s rejection", err, sc.check)
			}
		})
	}
}
