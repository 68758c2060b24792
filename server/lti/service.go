package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxServiceBody caps what ltibox reads from a platform answer (a roster page of
// thousands of members is a few MB).
const maxServiceBody = 32 << 20

// ServiceRequest is one call to an LTI Advantage service.
type ServiceRequest struct {
	Op          string   // short name for errors and logs
	Method      string   // GET by default
	URL         string   // absolute
	Scopes      []string // token scopes; must be ones the launch advertised
	Accept      string   // exactly one media type (Moodle refuses lists)
	ContentType string   // for bodies: exactly the resource's media type
	Body        any      // JSON-encoded when not nil
}

// ServiceResponse is a successful answer.
type ServiceResponse struct {
	Status int
	Header http.Header
	Body   []byte
	Links  map[string]string // rel -> absolute URL, from the Link header
}

// Do calls a platform service with a cached access token. A 401 with a cached
// token drops the token and tries once more with a fresh one.
func (t *Tool) Do(ctx context.Context, reg *Registration, r ServiceRequest) (*ServiceResponse, error) {
	for attempt := 0; ; attempt++ {
		tok, err := t.AccessToken(ctx, reg, r.Scopes)
		if err != nil {
			return nil, err
		}
		resp, err := t.do(ctx, tok, r)
		var se *ServiceError
		if attempt == 0 && errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			t.forgetToken(reg, r.Scopes)
			continue
		}
		return resp, err
	}
}

func (t *Tool) do(ctx context.Context, token string, r ServiceRequest) (*ServiceResponse, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != nil {
		buf, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: encode: %w", r.Op, err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, &ServiceError{Op: r.Op, Message: "the service URL is not valid: " + err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", r.ContentType)
	}
	resp, err := t.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, &ServiceError{Op: r.Op, Retryable: true, Message: "the LMS did not answer", Err: err}
	}
	defer resp.Body.Close()
	buf, err := io.ReadAll(io.LimitReader(resp.Body, maxServiceBody))
	if err != nil {
		return nil, &ServiceError{Op: r.Op, Retryable: true, Message: "the LMS answer was cut off", Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(r.Op, resp, buf)
	}
	return &ServiceResponse{Status: resp.StatusCode, Header: resp.Header, Body: buf, Links: ParseLinks(resp.Request.URL, resp.Header)}, nil
}

// statusError classifies a non-2xx answer: 429 and 5xx are retryable (with the
// platform's Retry-After when given); everything else is a configuration problem.
func statusError(op string, resp *http.Response, body []byte) *ServiceError {
	e := &ServiceError{Op: op, Status: resp.StatusCode, Message: platformMessage(body, resp.Status)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		e.Retryable = true
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			e.RetryAt = time.Now().Add(time.Duration(s) * time.Second)
		}
	}
	return e
}

// platformMessage extracts the platform's own explanation from an error body:
// OAuth2 error JSON, an AGS/NRPS error object, or plain text (Moodle).
func platformMessage(body []byte, status string) string {
	var j struct {
		Error            any    `json:"error"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
		Reason           string `json:"reason"`
	}
	if json.Unmarshal(body, &j) == nil {
		parts := []string{}
		if s, ok := j.Error.(string); ok && s != "" {
			parts = append(parts, s)
		}
		if m, ok := j.Error.(map[string]any); ok {
			if s, ok := m["message"].(string); ok {
				parts = append(parts, s)
			}
		}
		for _, s := range []string{j.ErrorDescription, j.Message, j.Reason} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			return truncate(strings.Join(parts, ": "), 300)
		}
	}
	text := strings.TrimSpace(string(body))
	if text == "" || strings.HasPrefix(text, "<") {
		return status
	}
	return truncate(text, 300)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ParseLinks reads an RFC 8288 Link header (any capitalisation: Canvas sends
// "link") into rel → absolute URL, resolving relative targets against base.
func ParseLinks(base *url.URL, h http.Header) map[string]string {
	out := map[string]string{}
	for name, values := range h {
		if !strings.EqualFold(name, "Link") {
			continue
		}
		for _, v := range values {
			for _, part := range splitLinks(v) {
				part = strings.TrimSpace(part)
				end := strings.Index(part, ">")
				if !strings.HasPrefix(part, "<") || end < 0 {
					continue
				}
				target := part[1:end]
				for _, param := range strings.Split(part[end+1:], ";") {
					k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
					if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
						continue
					}
					u, err := url.Parse(target)
					if err != nil {
						continue
					}
					if base != nil {
						u = base.ResolveReference(u)
					}
					for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
						if _, seen := out[strings.ToLower(rel)]; !seen {
							out[strings.ToLower(rel)] = u.String()
						}
					}
				}
			}
		}
	}
	return out
}

// splitLinks splits a Link header on the commas between links (not inside <…>).
func splitLinks(v string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range v {
		switch r {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, v[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, v[start:])
}
