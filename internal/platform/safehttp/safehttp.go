// Package safehttp makes the HTTP clients Agora fetches other people's URLs
// with (the crawler, and any server-side fetch of a URL a user gave). They
// refuse to connect to loopback, private, link-local, multicast, metadata
// and other special-purpose addresses. The check is made on the address
// actually dialled, so a redirect or a DNS answer that changes between
// lookups cannot get past it. The operator's allow-list (FETCH_ALLOWED_HOSTS:
// hosts, host:port pairs or CIDRs) lets named destinations through.
//
// The address rules are code.dny.dev/ssrf's, which follow the IANA
// special-purpose registries; this package adds the allow-list by name.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"code.dny.dev/ssrf"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// ErrRefused marks a connection refused because of its destination.
var ErrRefused = errors.New("destination not allowed")

// AllowList is what the operator lets through although it is not public.
type AllowList struct {
	hosts  map[string]bool // "intranet.example" or "intranet.example:8080"
	v4, v6 []netip.Prefix
}

// ParseAllowList reads FETCH_ALLOWED_HOSTS entries: a host name or IP, a
// host:port pair, or a CIDR.
func ParseAllowList(entries []string) (AllowList, error) {
	a := AllowList{hosts: map[string]bool{}}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return a, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8", e)
			}
			if p.Addr().Is4() {
				a.v4 = append(a.v4, p.Masked())
			} else {
				a.v6 = append(a.v6, p.Masked())
			}
		default:
			if host, _, err := net.SplitHostPort(e); err == nil && host != "" {
				a.hosts[e] = true
				continue
			}
			a.hosts[strings.Trim(e, "[]")] = true
		}
	}
	return a, nil
}

// allowsName reports whether the allow-list names host or host:port.
func (a AllowList) allowsName(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	return a.hosts[strings.ToLower(hostport)] || a.hosts[strings.ToLower(host)]
}

// guardian is the address check every dial and CheckURL make.
func (a AllowList) guardian() *ssrf.Guardian {
	return ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(a.v4...), ssrf.WithAllowedV6Prefixes(a.v6...))
}

// DialContext returns a dial function that refuses destinations that are
// not public, unless the allow-list names them.
// Names are resolved with r (nil: the system's resolver); the check runs on
// every address the name resolves to, as it is dialled.
func (a AllowList) DialContext(timeout time.Duration, r *net.Resolver) func(ctx context.Context, network, addr string) (net.Conn, error) {
	guard := a.guardian()
	open := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Resolver: r}
	guarded := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: guard.Safe, Resolver: r}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if a.allowsName(addr) {
			return open.DialContext(ctx, network, addr)
		}
		conn, err := guarded.DialContext(ctx, network, addr)
		if err != nil && refusedByGuard(err) {
			return nil, fmt.Errorf("%w: %s is not a public address (an operator can allow it with FETCH_ALLOWED_HOSTS): %w", ErrRefused, addr, err)
		}
		return conn, err
	}
}

func refusedByGuard(err error) bool {
	return errors.Is(err, ssrf.ErrProhibitedIP) || errors.Is(err, ssrf.ErrProhibitedNetwork) || errors.Is(err, ssrf.ErrProhibitedPort) ||
		errors.Is(err, ssrf.ErrInvalidHostPort)
}

// RefusedAddressError says which address of a URL the guard refuses.
type RefusedAddressError struct {
	// Host is the URL's host; Addr the refused address (Host itself for a
	// literal address or a local name).
	Host, Addr string
}

func (e *RefusedAddressError) Error() string {
	if e.Host == e.Addr {
		return fmt.Sprintf("the address %s is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS", e.Addr)
	}
	return fmt.Sprintf("the address %s of %s is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS", e.Addr, e.Host)
}

// Unwrap makes errors.Is(err, ErrRefused) hold.
func (e *RefusedAddressError) Unwrap() error { return ErrRefused }

// lookupTimeout bounds the name resolution of CheckURL.
const lookupTimeout = 3 * time.Second

// CheckURL tells, before a URL is saved for later fetches (a model
// provider's endpoint), whether the guard would refuse to connect to it: a
// literal address that is not public, a local name (localhost, *.localhost),
// or a name all of whose addresses (resolved now with r, nil: the system's
// resolver) are not public, unless the allow-list names the host (or
// host:port) or covers the address. It returns a *RefusedAddressError, or
// nil. A name that does not resolve passes: it is checked again, as every
// connection is, when it is dialled.
func (a AllowList) CheckURL(ctx context.Context, rawURL string, r *net.Resolver) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil // not a URL; the caller's own validation says so
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	if a.allowsName(net.JoinHostPort(host, port)) {
		return nil
	}
	guard := a.guardian()
	if ip, err := netip.ParseAddr(host); err == nil {
		if guard.SafeAddr(ip.Unmap()) != nil {
			return &RefusedAddressError{Host: host, Addr: host}
		}
		return nil
	}
	var addrs []netip.Addr
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		// Local by definition (RFC 6761), whatever a resolver says.
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	} else {
		if r == nil {
			r = net.DefaultResolver
		}
		lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		if addrs, err = r.LookupNetIP(lctx, "ip", host); err != nil || len(addrs) == 0 {
			return nil
		}
	}
	for _, ip := range addrs {
		if guard.SafeAddr(ip.Unmap()) == nil {
			return nil // the dialler can reach this one
		}
	}
	refused := addrs[0].Unmap().String()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		refused = host
	}
	return &RefusedAddressError{Host: host, Addr: refused}
}

// EndpointGuard checks URLs saved for later server-side fetches, such as
// model providers' endpoints, so that one the guard would refuse at use is
// refused when it is saved, with the reason.
type EndpointGuard struct {
	Allow AllowList
	// Resolver resolves host names (nil: the system's).
	Resolver *net.Resolver
}

// Check returns an invalid-input error (400) naming the refused address and
// FETCH_ALLOWED_HOSTS when the guard would refuse endpoint (see CheckURL).
func (g EndpointGuard) Check(ctx context.Context, endpoint string) error {
	if err := g.Allow.CheckURL(ctx, endpoint, g.Resolver); err != nil {
		return errs.Wrap(errs.Invalid, "endpoint: "+err.Error(), err)
	}
	return nil
}

// Options shape a client.
type Options struct {
	// Timeout bounds a whole request, body included (0: none).
	Timeout time.Duration
	// MaxRedirects bounds the redirects followed (0: 10).
	MaxRedirects int
	// Resolver resolves host names (nil: the system's).
	Resolver *net.Resolver
}

// NewClient returns an HTTP client whose every connection, redirects
// included, goes through the allow-list's checks. It ignores proxy
// settings: a proxy would make the checks see the proxy, not the target.
func NewClient(a AllowList, o Options) *http.Client {
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 10
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           a.DialContext(10*time.Second, o.Resolver),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
	return &http.Client{
		Transport: t,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= o.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", o.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("%w: a redirect to a %s: URL", ErrRefused, req.URL.Scheme)
			}
			return nil
		},
	}
}

// Refused reports whether err is a refusal of the destination.
func Refused(err error) bool { return errors.Is(err, ErrRefused) }
