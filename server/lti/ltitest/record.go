package ltitest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is one request the platform received, for assertions on what the
// tool sent.
type Request struct {
	Time   time.Time
	Method string
	Path   string // relative to BaseURL's path
	Query  url.Values
	Header http.Header // Accept, Authorization, Content-Type, Origin, User-Agent
	Body   []byte      // at most maxRecordedBody bytes
	Status int
}

const (
	maxRequests     = 10000
	maxRecordedBody = 1 << 20
)

// recordedHeaders is the subset of headers kept: what LTI rules are about.
var recordedHeaders = []string{"Accept", "Authorization", "Content-Type", "Origin", "User-Agent"}

// failure is one FailNext rule.
type failure struct {
	prefix string
	left   int
	status int
}

// FailNext makes the next n requests whose path starts with pathPrefix answer
// status instead of being served: a transient outage for retry tests. 429 and
// 503 answers carry Retry-After: 1. pathPrefix is handler-relative ("/token",
// "/ags/") or an absolute URL under BaseURL.
func (p *Platform) FailNext(pathPrefix string, n int, status int) {
	if rest, ok := strings.CutPrefix(pathPrefix, p.baseURL); ok {
		pathPrefix = rest
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, failure{prefix: pathPrefix, left: n, status: status})
}

// SetDelay makes every request wait d before it is served (a slow LMS). The
// wait ends early if the client gives up.
func (p *Platform) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Requests returns the recorded requests, oldest first (the last 10,000).
func (p *Platform) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := p.requests
	if len(rs) > maxRequests {
		rs = rs[len(rs)-maxRequests:]
	}
	return slices.Clone(rs)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// record wraps the routes: it logs each request, applies the delay and any
// injected failure, then serves.
func (p *Platform) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody+1))
			if err != nil {
				http.Error(w, "request body unreadable", http.StatusBadRequest)
				return
			}
			if len(b) > maxRecordedBody {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		h := http.Header{}
		for _, k := range recordedHeaders {
			if v := r.Header.Values(k); len(v) > 0 {
				h[k] = slices.Clone(v)
			}
		}
		rec := Request{Time: p.now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h, Body: body}
		sw := &statusRecorder{ResponseWriter: w}
		defer func() {
			rec.Status = sw.status
			p.mu.Lock()
			p.requests = append(p.requests, rec)
			if len(p.requests) > maxRequests+maxRequests/10 {
				p.requests = slices.Clone(p.requests[len(p.requests)-maxRequests:])
			}
			p.mu.Unlock()
		}()

		p.mu.Lock()
		delay := p.delay
		failStatus := 0
		for i := range p.failures {
			f := &p.failures[i]
			if f.left > 0 && strings.HasPrefix(r.URL.Path, f.prefix) {
				f.left--
				failStatus = f.status
				break
			}
		}
		p.failures = slices.DeleteFunc(p.failures, func(f failure) bool { return f.left <= 0 })
		if failStatus == 0 {
			failStatus = p.outageStatusLocked(r.URL.Path)
		}
		held := p.holdLocked(r.URL.Path)
		p.mu.Unlock()

		if held != nil {
			select {
			case <-held:
			case <-r.Context().Done():
				return
			}
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if failStatus != 0 {
			if failStatus == http.StatusTooManyRequests || failStatus == http.StatusServiceUnavailable {
				sw.Header().Set("Retry-After", "1")
			}
			serviceError(sw, failStatus, "injected failure: "+strconv.Itoa(failStatus)+" "+http.StatusText(failStatus))
			return
		}
		next.ServeHTTP(sw, r)
	})
}
