package runtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/sim"
)

// Fault is what a Proxy does to one operation request.
type Fault int

const (
	Pass         Fault = iota
	DropAnswer         // the simulator applies the request, the answer is lost (the connection closes)
	Unavailable        // 503 without reaching the simulator: provably not processed
	Throttle           // 429 without Retry-After, as a gateway's leaky bucket answers
	ThrottleHour       // 429 asking to wait an hour (Retry-After: 3600)
)

// Exchange is one operation request the simulator answered.
type Exchange struct {
	Op       string
	Request  []byte
	Status   int
	Answer   []byte
	Answered bool // false when the answer was dropped
}

// Proxy is a simulator behind a proxy that can lose answers or refuse
// requests, and rewrite answers, per request; it records every exchange.
type Proxy struct {
	*sim.Server
	URL string

	mu        sync.Mutex
	decide    func(op string, body []byte) Fault
	rewrite   func(op string, answer []byte) []byte
	exchanges []Exchange
}

// StartProxy serves a simulator with opts behind a proxy until the test
// ends.
func StartProxy(t *testing.T, opts sim.Options) *Proxy {
	t.Helper()
	p := &Proxy{Server: sim.New(opts)}
	hs := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(hs.Close)
	p.URL = hs.URL
	return p
}

// Conn is the connection to p as its administrator.
func (p *Proxy) Conn() connect.Options { return AdminConn(p.URL) }

// Set says what to do to each request (nil: pass it) and how to rewrite
// each answer (nil: as it is).
func (p *Proxy) Set(decide func(op string, body []byte) Fault, rewrite func(op string, answer []byte) []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.decide, p.rewrite = decide, rewrite
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op, isOp := strings.CutPrefix(r.URL.Path, "/automate/work/")
	if !isOp {
		p.Server.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.mu.Lock()
	decide, rewrite := p.decide, p.rewrite
	p.mu.Unlock()
	f := Pass
	if decide != nil {
		f = decide(op, body)
	}
	switch f {
	case Unavailable:
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":"SERVICE_UNAVAILABLE","code_message":"try again"}}`)
		return
	case Throttle, ThrottleHour:
		if f == ThrottleHour {
			w.Header().Set("Retry-After", "3600")
		}
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"code":"TOO_MANY_REQUESTS","code_message":"slow down"}}`)
		return
	}
	rec := httptest.NewRecorder()
	p.Server.ServeHTTP(rec, r)
	answer := rec.Body.Bytes()
	if rewrite != nil && rec.Code == http.StatusOK {
		answer = rewrite(op, answer)
	}
	p.mu.Lock()
	p.exchanges = append(p.exchanges, Exchange{Op: op, Request: body, Status: rec.Code, Answer: answer, Answered: f == Pass})
	p.mu.Unlock()
	if f == DropAnswer {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(answer)
}

// Seen returns the exchanges so far.
func (p *Proxy) Seen() []Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Exchange(nil), p.exchanges...)
}
