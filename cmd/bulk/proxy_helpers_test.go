package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/firmtools/bulk/internal/sim"
)

// fault is what a proxyService does to one operation request.
type fault int

const (
	pass        fault = iota
	dropAnswer        // the simulator applies the request, the answer is lost (the connection closes)
	unavailable       // 503 without reaching the simulator: provably not processed
)

// exchange is one operation request the simulator answered.
type exchange struct {
	op       string
	request  []byte
	status   int
	answer   []byte
	answered bool // false when the answer was dropped
}

// proxyService is a simulator behind a proxy that can lose answers or
// refuse requests, and rewrite answers, per request; it records every
// exchange.
type proxyService struct {
	*sim.Server
	URL string

	mu        sync.Mutex
	decide    func(op string, body []byte) fault
	rewrite   func(op string, answer []byte) []byte
	exchanges []exchange
}

func startProxy(t *testing.T, opts sim.Options) *proxyService {
	t.Helper()
	p := &proxyService{Server: sim.New(opts)}
	hs := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(hs.Close)
	p.URL = hs.URL
	return p
}

func (p *proxyService) env() map[string]string {
	return map[string]string{"IMANAGE_URL": p.URL, "IMANAGE_USER": "admin", "IMANAGE_PASSWORD": "admin", "IMANAGE_CLIENT_ID": "bulk"}
}

func (p *proxyService) set(decide func(op string, body []byte) fault, rewrite func(op string, answer []byte) []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.decide, p.rewrite = decide, rewrite
}

func (p *proxyService) serve(w http.ResponseWriter, r *http.Request) {
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
	f := pass
	if decide != nil {
		f = decide(op, body)
	}
	if f == unavailable {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":"SERVICE_UNAVAILABLE","code_message":"try again"}}`)
		return
	}
	rec := httptest.NewRecorder()
	p.Server.ServeHTTP(rec, r)
	answer := rec.Body.Bytes()
	if rewrite != nil && rec.Code == http.StatusOK {
		answer = rewrite(op, answer)
	}
	p.mu.Lock()
	p.exchanges = append(p.exchanges, exchange{op: op, request: body, status: rec.Code, answer: answer, answered: f == pass})
	p.mu.Unlock()
	if f == dropAnswer {
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

// calls counts the exchanges of op (answered or not).
func (p *proxyService) calls(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.exchanges {
		if e.op == op {
			n++
		}
	}
	return n
}

// seen returns the exchanges so far.
func (p *proxyService) seen() []exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]exchange(nil), p.exchanges...)
}
