// Package lti implements the tool side of LTI 1.3 Advantage as a library: OIDC
// login initiation, launch verification (the whole security checklist), the
// tool's keys and JWKS, and later deep linking, AGS, NRPS and dynamic
// registration. It speaks net/http and JWT only; it knows nothing of Fiber or
// SQL. Persistence comes in through the small store interfaces in store.go.
package lti
