package lti

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// claimTypeError is the launch.claim_type refusal: an id_token whose claim
// has a JSON type LTI 1.3 does not allow. The message names the claim, what
// came and what LTI expects, for the administrator and the LMS vendor; the
// title and the hint are for the student or teacher who sees the page in the
// LMS, who can do nothing but pass it on.
func claimTypeError(name, got, want string) *CheckError {
	return &CheckError{Check: "launch.claim_type", Status: 400, Title: "The LMS sent this launch in a form ltibox cannot read",
		Message: fmt.Sprintf("The id_token's %s claim is %s, where LTI 1.3 expects %s.", name, got, want),
		Hint:    "Opening the activity again will not help, and nothing you did caused this. " + TellSupport + ": the LMS vendor must fix how the LMS sends the claim named above."}
}

// timeClaimType is the launch.claim_type refusal for a time claim (exp, iat,
// nbf) that jwt could not read because it is not a number, or nil. jwt reads
// the times with its own NumericDate, whose errors name no claim ("tomorrow"
// is not even a JSON type error to it), so the payload of a token that failed
// to decode is read once more for them: on this error path only, never on a
// launch that works. A time claim jwt reads (a number, or one in quotes,
// which jwt accepts) is never blamed, nor is a number jwt cannot hold.
func timeClaimType(raw string) *CheckError {
	_, rest, _ := strings.Cut(raw, ".")
	payload, _, _ := strings.Cut(rest, ".")
	b, err := jwt.NewParser().DecodeSegment(payload) // as jwt decoded it
	if err != nil {
		return nil
	}
	var times struct {
		Exp json.RawMessage `json:"exp"`
		IAT json.RawMessage `json:"iat"`
		NBF json.RawMessage `json:"nbf"`
	}
	if json.Unmarshal(b, &times) != nil {
		return nil
	}
	for _, c := range []struct {
		name  string
		value json.RawMessage
	}{{"exp", times.Exp}, {"iat", times.IAT}, {"nbf", times.NBF}} {
		var d *jwt.NumericDate // a pointer, as in jwt.RegisteredClaims: null is no time, not an error
		if len(c.value) == 0 || json.Unmarshal(c.value, &d) == nil {
			continue
		}
		if kind := rawKind(c.value); kind != "number" {
			return claimTypeError(c.name, jsonKind(kind), numericDateKind)
		}
	}
	return nil
}

// rawKind is the kind of a JSON value, as json.UnmarshalTypeError names it
// ("string", "array"…), from its first byte: the decoder hands over a value
// without leading space.
func rawKind(v json.RawMessage) string {
	switch v[0] {
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// claimName is the claim (and field) a JSON type error is about, with the
// spec's URL prefix cut ("context.type", "roles", "exp").
func claimName(e *json.UnmarshalTypeError) string {
	name := strings.TrimPrefix(e.Field, "RegisteredClaims.") // jwt's embedded iss, sub, aud…
	if name == "" {
		name = e.Struct
	}
	for _, prefix := range []string{"https://purl.imsglobal.org/spec/lti/claim/", "https://purl.imsglobal.org/spec/lti-ags/claim/",
		"https://purl.imsglobal.org/spec/lti-nrps/claim/", "https://purl.imsglobal.org/spec/lti-dl/claim/"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			return rest
		}
	}
	if name == "" {
		return "unnamed"
	}
	return name
}

// jsonKind says what a JSON value of kind v ("string", "number", "array"…) is.
func jsonKind(v string) string {
	switch {
	case v == "string":
		return "a text"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}

// numericDateKind is what LTI expects of a time claim (exp, iat, nbf).
const numericDateKind = "a number (seconds since 1970)"

// expectedKind says what the claim should be, from the Go type it decodes into.
func expectedKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a text"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of texts"
		}
		return "a list"
	case reflect.Struct, reflect.Map:
		if t == reflect.TypeOf(jwt.NumericDate{}) {
			return numericDateKind
		}
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return t.String()
}
