package lti

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// GuardPolicy limits what the guarded outbound client may reach. Dynamic
// registration fetches a URL that arrives in a browser request, so without a
// guard anyone could make ltibox call its own network (SSRF).
type GuardPolicy struct {
	// AllowLoopback permits 127.0.0.0/8 and ::1 (demo and tests).
	AllowLoopback bool
	// AllowPrivate permits RFC 1918, link-local, unique-local and CGNAT
	// addresses (an admin switch for on-premises LMSs).
	AllowPrivate bool
	// AllowHTTP permits plain http URLs (only to loopback hosts, demo and tests).
	AllowHTTP bool
	// MaxBytes caps a response body (default 256 KiB).
	MaxBytes int64
	// Timeout caps one whole request, redirects included (default 10 s).
	Timeout time.Duration
	// UserAgent is sent on every request.
	UserAgent string
}

// ErrAddressNotAllowed is returned when the guard refuses a destination address.
var ErrAddressNotAllowed = errors.New("destination address not allowed")

// ErrTooLarge is returned when a response is larger than MaxBytes.
var ErrTooLarge = errors.New("response too large")

// GuardedClient returns an http.Client that dials only public addresses (plus
// loopback/private when the policy allows), refuses redirects to another host,
// and gives up after the policy's timeout. The address check runs on the
// resolved IP at connect time, so DNS tricks cannot slip past it.
func GuardedClient(p GuardPolicy) *http.Client {
	if p.Timeout == 0 {
		p.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{
		Timeout: p.Timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrAddressNotAllowed, host)
			}
			if !p.allowed(ip.Unmap()) {
				return fmt.Errorf("%w: %s", ErrAddressNotAllowed, ip)
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would hide the real destination from the guard
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   p.Timeout,
		ResponseHeaderTimeout: p.Timeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	c := &http.Client{
		Transport: tr,
		Timeout:   p.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("redirect to another host (%s) refused", req.URL.Host)
			}
			if req.URL.Scheme != "https" && !p.AllowHTTP {
				return errors.New("redirect to http refused")
			}
			return nil
		},
	}
	if p.UserAgent != "" {
		return withUserAgent(c, p.UserAgent)
	}
	return c
}

func (p GuardPolicy) allowed(ip netip.Addr) bool {
	switch {
	case ip.IsLoopback():
		return p.AllowLoopback
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast(), ip.IsLinkLocalMulticast():
		return false
	case ip.IsPrivate(), ip.IsLinkLocalUnicast(), cgnat.Contains(ip):
		return p.AllowPrivate
	}
	return true
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// readLimited reads at most max bytes of r; more is ErrTooLarge.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, ErrTooLarge
	}
	return b, nil
}

// guardURL checks a URL before the guarded client fetches it: absolute,
// https (or http to loopback when allowed), no fragment, no user info.
func (p GuardPolicy) guardURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || !u.IsAbs():
		return nil, errors.New("not an absolute URL")
	case u.Fragment != "" || u.RawFragment != "":
		return nil, errors.New("URL has a fragment")
	case u.User != nil:
		return nil, errors.New("URL carries credentials")
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && p.AllowHTTP && IsLoopbackHost(u.Hostname()):
		return u, nil
	}
	return nil, errors.New("URL is not https")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
