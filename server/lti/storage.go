package lti

import "crypto/subtle"

// Ways a login state is bound to the browser that started it. The login
// records the way it offered; the launch session records the way that worked.
const (
	// BindingCookie: the Partitioned state cookie came back with the launch.
	BindingCookie = "cookie"
	// BindingStorage: the state and nonce were stored in the platform's
	// postMessage storage at login and read back by the launch page.
	BindingStorage = "storage"
	// BindingWindow: cookies were blocked in the LMS frame and the platform
	// offers no storage, so the login restarted in a new top-level window,
	// where a first-party state cookie binds it.
	BindingWindow = "window"
)

// checkStorageBinding applies the extra rules of a platform-storage launch:
// the login must have offered platform storage, and the nonce read back from
// storage must be the one issued with this state (checklist 27–28, 42).
func checkStorageBinding(req LaunchRequest, login *LoginState) error {
	if req.Binding != BindingStorage {
		return nil
	}
	if login.Binding != BindingStorage {
		return unauthorized("launch.storage_not_offered", "This launch did not start with platform storage, so ltibox cannot accept a value read from it.")
	}
	if req.BoundNonce == "" || subtle.ConstantTimeCompare([]byte(req.BoundNonce), []byte(login.Nonce)) != 1 {
		return unauthorized("launch.storage_nonce_mismatch", "The login nonce your LMS kept for this launch does not match the one ltibox issued.")
	}
	return nil
}
