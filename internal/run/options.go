// Package run is what `bulk run` and `bulk validate` do behind the command
// line: read and validate the manifests, and for a run take the journal's
// lock, seed the result file, sign in, run the jobs through the executor,
// record every outcome, print the summary and choose the exit code. It is
// driven by option values, not flags, so tests run it without cobra.
package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
)

// The defaults of the options a command line may leave out.
const (
	DefaultConcurrency = 4
	DefaultMaxAttempts = 5
	DefaultMaxHold     = 10 * time.Minute
	DefaultMaxOutage   = 15 * time.Minute
)

// Options are a run's settings: what `bulk run` was asked.
type Options struct {
	IO        *iostreams.IOStreams
	Manifests []string
	Manifest  manifest.Options
	Conn      connect.Options

	Out          string // the result file; "" is beside the manifest
	Journal      string // "" is beside the result file
	Resume       bool
	RetryUnknown bool
	Fresh        bool
	AdoptJournal bool
	Concurrency  int
	RateLimit    string // N/DURATION
	MaxAttempts  int
	MaxFailures  string // N or N%; "" is no limit
	// MaxHold and MaxOutage end the run cleanly (rows not done skipped,
	// resumable) when the service holds it longer, or fails longer; 0 is
	// the default (10m, 15m).
	MaxHold      time.Duration
	MaxOutage    time.Duration
	Quiet        bool
	Verbose      bool
	JSON         bool
	GenPasswords string // the file for generated passwords; "" is none
	Report       string // the HTML report to write; "" is none

	// Deps are what a test replaces; the zero value is the real thing.
	Deps Deps
}

// Deps are the seams of a run.
type Deps struct {
	Clock   executor.Clock
	Backoff *executor.Backoff
	Grace   time.Duration // how long calls in flight may finish after an interruption; 0 is executor.DefaultGrace
	// Probes space the single calls that test a service that is down
	// (pacer.Settings.ProbeFirst and ProbeMax); zero values are the defaults.
	ProbeFirst, ProbeMax time.Duration
	// Interrupt gives the contexts interruptions cancel: first at the
	// first (nothing new starts; calls in flight may finish within Grace),
	// second at the next (calls in flight are cancelled at once); stop
	// releases them. nil is Ctrl-C, SIGTERM and SIGHUP.
	Interrupt func(context.Context) (first, second context.Context, stop func())
	Progress  time.Duration // between progress lines
	// Width is the terminal's width for the progress display; nil asks
	// the terminal (IOStreams.ErrOutWidth).
	Width func() int
	// WrapWrite stands between the run and the file at path (a disk that
	// fills); nil writes straight through.
	WrapWrite func(path string, w io.Writer) io.Writer
}

// check reads the options that need no file and no service.
func (o *Options) check() (ratelimit.Limit, error) {
	limit, err := ratelimit.Parse(o.RateLimit)
	if err != nil {
		return limit, exit.Usage(fmt.Errorf("--rate-limit: %w", err))
	}
	switch {
	case o.Concurrency < 1 || o.Concurrency > 64:
		return limit, exit.Usage(fmt.Errorf("--concurrency %d: want 1 to 64", o.Concurrency))
	case o.MaxAttempts < 1 || o.MaxAttempts > 20:
		return limit, exit.Usage(fmt.Errorf("--max-attempts %d: want 1 to 20", o.MaxAttempts))
	case o.Resume && o.Fresh:
		return limit, exit.Usage(errors.New("--resume and --fresh contradict each other: use one"))
	case o.AdoptJournal && !o.Resume:
		return limit, exit.Usage(errors.New("--adopt-journal only means something with --resume"))
	case o.MaxHold < 0:
		return limit, exit.Usage(fmt.Errorf("--max-hold %s: want a positive duration such as 10m", o.MaxHold))
	case o.MaxOutage < 0:
		return limit, exit.Usage(fmt.Errorf("--max-outage %s: want a positive duration such as 15m", o.MaxOutage))
	}
	return limit, nil
}

// parseMaxFailures reads N or N% of total. A percentage rounds up and is
// at least 1: 2% of 40 jobs is 1, where rounding down would make it 0,
// which is no limit at all.
func parseMaxFailures(s string, total int) (int, error) {
	if s == "" {
		return 0, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return 0, fmt.Errorf("--max-failures %q: a percentage must be above 0 and at most 100", s)
		}
		// The tolerance keeps an exact share exact: 8.8% of 375 is 33, not
		// the 34 its floating-point product, 33.00000000000001, rounds up to.
		n := int(math.Ceil(float64(total)*f/100 - 1e-9))
		return max(n, 1), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--max-failures %q: want a whole number of at least 1, or a percentage like 5%%", s)
	}
	return n, nil
}

func (d Deps) clock() executor.Clock {
	if d.Clock == nil {
		return executor.RealClock{}
	}
	return d.Clock
}

func (d Deps) backoff() executor.Backoff {
	if d.Backoff == nil {
		return executor.DefaultBackoff
	}
	return *d.Backoff
}

func (d Deps) interrupt(ctx context.Context) (first, second context.Context, stop func()) {
	if d.Interrupt != nil {
		return d.Interrupt(ctx)
	}
	return interruptOnSignals(ctx)
}

func (d Deps) grace() time.Duration {
	if d.Grace <= 0 {
		return executor.DefaultGrace
	}
	return d.Grace
}

// wrap is WrapWrite for the file at path.
func (d Deps) wrap(path string) func(io.Writer) io.Writer {
	if d.WrapWrite == nil {
		return nil
	}
	return func(w io.Writer) io.Writer { return d.WrapWrite(path, w) }
}

// pacer is the run's one pacer, with the options' bounds.
func (o *Options) pacer(limit ratelimit.Limit, clock executor.Clock) *pacer.Pacer {
	return pacer.New(limit, clock, pacer.Settings{MaxHold: o.MaxHold, MaxOutage: o.MaxOutage,
		ProbeFirst: o.Deps.ProbeFirst, ProbeMax: o.Deps.ProbeMax})
}
