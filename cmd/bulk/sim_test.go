package main

import (
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/iostreams"
)

// `bulk sim --rate-limit` reads a limit as `bulk run --rate-limit` and
// `--sim-rate-limit` do: one parser.
func TestSimReadsTheRateLimitAsRunDoes(t *testing.T) {
	for in, want := range map[string]time.Duration{"100/ms": time.Millisecond, "100/m": time.Minute, "100/600ms": 600 * time.Millisecond} {
		var got *simOptions
		cmd := newSimCmdWith(iostreams.Test(strings.NewReader(""), nil, nil, nil), func(o *simOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"--rate-limit", in})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		opts, err := got.simOptions()
		if err != nil || opts.RateLimit != 100 || opts.Window != want {
			t.Fatalf("--rate-limit %s: %d per %v, %v", in, opts.RateLimit, opts.Window, err)
		}
	}
}
