package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/runtest"
)

// fast is the time-scaled limit tests run at: the contract's 100 calls,
// per 600 ms instead of per minute.
const fast = "100/600ms"

// Shared test helpers, by their short names.
var (
	writeFile    = runtest.WriteFile
	readResults  = runtest.ReadResults
	countStatus  = runtest.CountStatus
	oneRowPerJob = runtest.OneRowPerJob
	rowsByNumber = runtest.RowsByNumber
	rowSet       = runtest.RowSet
	tabsCSV      = runtest.TabsCSV
)

// result is what one run produced.
type result struct {
	code   int
	err    error
	stdout string
	stderr string
}

// newOptions is a run of the manifests against conn with the command
// line's defaults.
func newOptions(conn connect.Options, manifests ...string) *Options {
	return &Options{Manifests: manifests, Conn: conn, Concurrency: DefaultConcurrency, MaxAttempts: DefaultMaxAttempts,
		RateLimit: ratelimit.Default.String(), Manifest: manifest.Options{Limits: manifest.Limits{MaxRows: manifest.DefaultLimits.MaxRows}}}
}

// start runs o with buffers for its streams (no terminal, no
// environment: a run is given values, it reads none) and waits for it.
// The error ends standard error, as the command line prints it.
func start(t *testing.T, o *Options) result {
	t.Helper()
	var out bytes.Buffer
	errOut := &lockedBuffer{}
	o.IO = iostreams.Test(strings.NewReader(""), &out, errOut, nil)
	return ended(Run(context.Background(), o), &out, errOut)
}

func ended(err error, out fmt.Stringer, errOut *lockedBuffer) result {
	if err != nil && !errors.Is(err, exit.ErrSilent) {
		fmt.Fprintf(errOut, "bulk: %v\n", err)
	}
	return result{code: int(exit.Of(err)), err: err, stdout: out.String(), stderr: errOut.String()}
}

// lockedBuffer is a buffer the run and a simulator hook may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// iostreamsOver are streams over out and errOut, neither a terminal.
func iostreamsOver(out io.Writer, errOut io.Writer) *iostreams.IOStreams {
	return iostreams.Test(strings.NewReader(""), out, errOut, nil)
}
