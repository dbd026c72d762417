package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name    string
		opts    Options
		errPart string
	}{
		{"zero", Options{}, ""},
		{"everything", Options{RateLimit: 5, Window: time.Second, Mode: ModeFixed, FaultRate: 1, DropRate: 0.5, Latency: time.Millisecond, TokenTTL: time.Hour}, ""},
		{"negative rate", Options{RateLimit: -1}, "rate limit"},
		{"negative window", Options{Window: -time.Second}, "window"},
		{"unknown mode", Options{Mode: "sliding"}, "window mode"},
		{"fault rate over 1", Options{FaultRate: 1.5}, "fault rate"},
		{"negative drop rate", Options{DropRate: -0.1}, "drop rate"},
		{"negative latency", Options{Latency: -1}, "latency"},
		{"negative token TTL", Options{TokenTTL: -1}, "token TTL"},
		{"a tenant property of no member", Options{TenantProperties: []TenantProperty{{Member: "user", Name: "x", Type: "string"}}}, "tenant property user.x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.errPart == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Fatalf("error %v, want one about %s", err, tc.errPart)
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("New did not panic")
					}
				}()
				New(tc.opts)
			}()
		})
	}
}

// syncBuffer lets the test read what Serve printed while Serve runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, Options{Password: "pa55word", PasswordFromEnv: true}, &out) }()

	base := "http://" + ln.Addr().String()
	resp, err := http.PostForm(base+"/auth/oauth2/token", url.Values{
		"grant_type": {"password"}, "username": {"admin"}, "password": {"pa55word"}, "client_id": {"test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/automate/work/getLibraries", nil)
	req.Header.Set("x-im-connector-id", "imanage-work-for-admins")
	req.Header.Set("X-Auth-Token", tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	assertEqual(t, "getLibraries", resp.StatusCode, 200)

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get(base + "/_sim/stats"); err == nil {
		t.Errorf("still serving after ctx was cancelled")
	}
	banner := out.String()
	for _, want := range []string{base, `user "admin"`, "BULK_SIM_PASSWORD", "rate limit 100/1m0s", "strict"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	for _, bad := range []string{"pa55word", "WARNING"} {
		if strings.Contains(banner, bad) {
			t.Errorf("banner shows %q:\n%s", bad, banner)
		}
	}
}

func TestServeRefusesBadOptions(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := Serve(context.Background(), ln, Options{Mode: "sliding"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "sliding") {
		t.Fatalf("Serve: %v, want an error about the mode", err)
	}
}

func TestBanner(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	cases := []struct {
		name    string
		addr    net.Addr
		opts    Options
		want    []string
		notWant []string
	}{
		{"defaults on loopback", loop, Options{},
			[]string{"http://127.0.0.1:8080", `password "admin" (the default)`, `"viewer"`, "rate limit 100/1m0s per token (strict window)", "token TTL never", "seed 0"},
			[]string{"WARNING", "tenant properties"}},
		{"tenant properties", loop, Options{TenantProperties: []TenantProperty{
			{Member: "aliasInfo", Name: "practice_area", Type: "string", Required: true},
			{Member: "profileProperties", Name: "risk", Type: "string", Enum: []string{"Low", "High"}}}},
			[]string{"tenant properties: aliasInfo.practice_area=string,required profileProperties.risk=Low|High\n"}, nil},
		{"IPv6 loopback", &net.TCPAddr{IP: net.IPv6loopback, Port: 1}, Options{}, []string{"http://[::1]:1"}, []string{"WARNING"}},
		{"every knob", loop, Options{RateLimit: 10, Window: 600 * time.Millisecond, Mode: ModeFixed, FaultRate: 0.1, DropRate: 0.02, Latency: 50 * time.Millisecond, TokenTTL: time.Hour, Seed: 9},
			[]string{"rate limit 10/600ms per token (fixed window)", "fault rate 0.1", "drop rate 0.02", "latency 50ms", "token TTL 1h0m0s", "seed 9"}, nil},
		{"password from the environment", loop, Options{Password: "hush-hush", PasswordFromEnv: true}, []string{"BULK_SIM_PASSWORD"}, []string{"hush-hush"}},
		{"password from elsewhere", loop, Options{Password: "hush-hush"}, []string{"not shown"}, []string{"hush-hush"}},
		{"all interfaces", &net.TCPAddr{IP: net.IPv4zero, Port: 8080}, Options{}, []string{"WARNING", "0.0.0.0:8080"}, nil},
		{"a LAN address", &net.TCPAddr{IP: net.IPv4(192, 168, 1, 20), Port: 8080}, Options{}, []string{"WARNING"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			printBanner(&b, tc.addr, tc.opts)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("banner lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("banner has %q:\n%s", w, b.String())
				}
			}
		})
	}
}
