package imanage

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// NewHTTPClient returns the HTTP client the service client uses when the
// caller gives none: the system's roots plus, when caFile is set, the PEM
// certificates in it (a firm's TLS-inspecting proxy), TLS 1.2 or later, and
// timeouts on each stage of a connection. There is deliberately no way to
// skip certificate verification: the token and passwords travel on it.
//
// The client follows no redirects. A redirected POST would turn into a GET,
// and Go forwards X-Auth-Token to whatever host a redirect names.
func NewHTTPClient(caFile string) (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		// Some systems (Windows before Go could read its store, minimal
		// containers) have no readable pool; a caFile can still fill it.
		roots = x509.NewCertPool()
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA certificates: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("reading CA certificates from %s: no PEM certificate found", caFile)
		}
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute, // a backstop; Config.Timeout bounds each attempt
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		// Many workers talk to one host; the default of 2 idle connections
		// per host would make most of them dial (and shake hands) every call.
		MaxIdleConnsPerHost: 64,
	}
	return &http.Client{Transport: tr, CheckRedirect: refuseRedirect}, nil
}

// refuseRedirect makes http.Client hand back the 3xx answer instead of following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NormalizeBaseURL turns the service URL as a user types it into the base
// every path is appended to: a bare host gets https://, a trailing slash is
// dropped. Plain http:// is refused unless the host is loopback (the
// simulator); credentials, a query or a fragment in the URL are refused.
func NormalizeBaseURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("service URL is empty: give the host, e.g. cloudimanage.com")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole URL; the cause alone is clearer.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("service URL %q is not a URL: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("service URL %q: scheme %q is not supported, use https://", raw, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("service URL %q has no host", raw)
	}
	if u.User != nil {
		// Never echo the URL here: it holds the credentials.
		return nil, errors.New("service URL must not contain a user name or password; give them as options")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("service URL %q must not have a query or fragment", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("service URL %q: plain http:// is only allowed for a loopback host (the simulator); use https://", raw)
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
