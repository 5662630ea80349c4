package safehttp_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func get(t *testing.T, c *http.Client, target string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func client(t *testing.T, entries ...string) *http.Client {
	t.Helper()
	a, err := safehttp.ParseAllowList(entries)
	require.NoError(t, err)
	return safehttp.NewClient(a, safehttp.Options{Timeout: 5 * time.Second})
}

func TestRefusesAddressesThatAreNotPublic(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := client(t)
	for _, target := range []string{
		srv.URL,                                   // loopback
		"http://localhost:" + port + "/",          // a name that resolves to loopback
		"http://10.1.2.3/",                        // private
		"http://192.168.1.1:8080/",                // private
		"http://169.254.169.254/latest/meta-data", // link-local: cloud metadata
		"http://[::1]:" + port + "/",              // IPv6 loopback
		"http://[fe80::1]/",                       // IPv6 link-local
		"http://224.0.0.1/",                       // multicast
		"http://0.0.0.0:" + port + "/",            // this host
	} {
		err := get(t, c, target)
		require.Error(t, err, target)
		require.True(t, safehttp.Refused(err), "%s: %v", target, err)
		require.Contains(t, err.Error(), "FETCH_ALLOWED_HOSTS", target)
	}
}

func TestHostNamesResolvingToPrivateAddressesAreRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns := testkit.FakeDNS(t, map[string]string{"intranet.kommun.test": "10.20.30.40", "printer.kommun.test": "192.168.0.9",
		"metadata.kommun.test": "169.254.169.254", "here.kommun.test": "127.0.0.1"})
	a, err := safehttp.ParseAllowList(nil)
	require.NoError(t, err)
	c := safehttp.NewClient(a, safehttp.Options{Timeout: 5 * time.Second, Resolver: dns})
	for _, target := range []string{"http://intranet.kommun.test/", "http://printer.kommun.test/", "http://metadata.kommun.test/latest/meta-data",
		"http://here.kommun.test:" + port + "/"} {
		err := get(t, c, target)
		require.Error(t, err, target)
		require.True(t, safehttp.Refused(err), "%s: %v", target, err)
	}
	// The same resolver serves a name the operator allowed.
	a, err = safehttp.ParseAllowList([]string{"here.kommun.test"})
	require.NoError(t, err)
	c = safehttp.NewClient(a, safehttp.Options{Timeout: 5 * time.Second, Resolver: dns})
	require.NoError(t, get(t, c, "http://here.kommun.test:"+port+"/"))
}

func TestAllowListLetsNamedDestinationsThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)

	require.NoError(t, get(t, client(t, "127.0.0.1"), srv.URL), "by host")
	require.NoError(t, get(t, client(t, u.Host), srv.URL), "by host:port")
	require.NoError(t, get(t, client(t, "127.0.0.0/8"), srv.URL), "by CIDR")
	require.NoError(t, get(t, client(t, "localhost"), "http://localhost:"+port+"/"), "by name")

	err := get(t, client(t, "127.0.0.1:1"), srv.URL)
	require.True(t, safehttp.Refused(err), "another port of the host is not allowed: %v", err)
	_, err = safehttp.ParseAllowList([]string{"10.0.0.0/99"})
	require.ErrorContains(t, err, "not a CIDR")
}

func TestRedirectsAreCheckedToo(t *testing.T) {
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(inside.Close)
	_, port, _ := net.SplitHostPort(inside.Listener.Addr().String())
	outside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.2:"+port+"/", http.StatusFound)
	}))
	t.Cleanup(outside.Close)
	// Only the redirecting server is allowed; where it points is not.
	err := get(t, client(t, outside.Listener.Addr().String()), outside.URL)
	require.True(t, safehttp.Refused(err), "%v", err)

	loop := httptest.NewServer(nil)
	loop.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, loop.URL, http.StatusFound) })
	t.Cleanup(loop.Close)
	err = get(t, client(t, "127.0.0.1"), loop.URL)
	require.ErrorContains(t, err, "stopped after 10 redirects")
}

// TestCheckURLRefusesAtSaveWhatTheDiallerWouldRefuse: literal addresses
// and local names are judged without a lookup; names by what they resolve
// to now; a name that does not resolve passes (it is checked when dialled).
func TestCheckURLRefusesAtSaveWhatTheDiallerWouldRefuse(t *testing.T) {
	t.Parallel()
	dns := testkit.FakeDNS(t, map[string]string{"vllm.kommun.test": "10.20.30.40", "meta.kommun.test": "169.254.169.254",
		"public.kommun.test": "8.8.8.8"})
	none, err := safehttp.ParseAllowList(nil)
	require.NoError(t, err)
	ctx := context.Background()
	for target, refused := range map[string]string{
		"http://127.0.0.1:8000/v1":                     "127.0.0.1",
		"http://169.254.169.254/latest":                "169.254.169.254",
		"http://10.0.0.5:8000/v1":                      "10.0.0.5",
		"https://192.168.1.20/v1":                      "192.168.1.20",
		"http://[::1]:11434/v1":                        "::1",
		"http://[::ffff:127.0.0.1]/v1":                 "::ffff:127.0.0.1",
		"http://0.0.0.0:8000":                          "0.0.0.0",
		"http://localhost:11434/v1":                    "localhost",
		"http://LOCALHOST./v1":                         "localhost",
		"http://ollama.localhost/v1":                   "ollama.localhost",
		"http://vllm.kommun.test:8000/v1":              "10.20.30.40",
		"http://meta.kommun.test/latest/meta-data":     "169.254.169.254",
		"https://user:pass@10.1.1.1:8443/openai?x=1#y": "10.1.1.1",
	} {
		err := none.CheckURL(ctx, target, dns)
		var re *safehttp.RefusedAddressError
		require.ErrorAs(t, err, &re, target)
		require.Equal(t, refused, re.Addr, target)
		require.True(t, safehttp.Refused(err), target)
		require.Contains(t, err.Error(), "is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS", target)
	}
	require.EqualError(t, none.CheckURL(ctx, "http://169.254.169.254/", dns),
		"the address 169.254.169.254 is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS")
	require.EqualError(t, none.CheckURL(ctx, "http://vllm.kommun.test/", dns),
		"the address 10.20.30.40 of vllm.kommun.test is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS")

	for _, target := range []string{
		"https://api.openai.com/v1",         // not resolvable by the fake: checked again at use
		"https://8.8.8.8/v1",                // public
		"http://public.kommun.test:8000/v1", // resolves to a public address
		"https://[2001:4860:4860::8888]/v1",
	} {
		require.NoError(t, none.CheckURL(ctx, target, dns), target)
	}

	allowed, err := safehttp.ParseAllowList([]string{"127.0.0.1", "vllm.kommun.test:8000", "169.254.0.0/16", "localhost", "::1"})
	require.NoError(t, err)
	for _, target := range []string{"http://127.0.0.1:8000/v1", "http://vllm.kommun.test:8000/v1", "http://meta.kommun.test/",
		"http://localhost:11434/v1", "http://[::1]:8000/v1"} {
		require.NoError(t, allowed.CheckURL(ctx, target, dns), target)
	}
	require.Error(t, allowed.CheckURL(ctx, "http://vllm.kommun.test:9000/v1", dns), "another port of an allowed host:port")
	require.Error(t, allowed.CheckURL(ctx, "http://10.0.0.5/v1", dns))
	cidr, err := safehttp.ParseAllowList([]string{"127.0.0.0/8"})
	require.NoError(t, err)
	require.NoError(t, cidr.CheckURL(ctx, "http://localhost:8000/v1", dns), "localhost dials 127.0.0.1, which the CIDR allows")
}

func TestEndpointGuardAnswersInvalidNamingTheSetting(t *testing.T) {
	t.Parallel()
	g := safehttp.EndpointGuard{}
	err := g.Check(context.Background(), "http://169.254.169.254/v1")
	kind, msg := errs.KindOf(err)
	require.Equal(t, errs.Invalid, kind)
	require.Equal(t, "endpoint: the address 169.254.169.254 is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS", msg)
	require.NoError(t, g.Check(context.Background(), "https://8.8.8.8/v1"))
}
