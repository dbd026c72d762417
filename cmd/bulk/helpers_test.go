package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/runtest"
)

// fast is the time-scaled limit tests run at: the contract's 100 calls,
// per 600 ms instead of per minute.
const fast = "100/600ms"

// Shared test helpers, by their short names.
var (
	startSim     = runtest.Start
	writeFile    = runtest.WriteFile
	readResults  = runtest.ReadResults
	countStatus  = runtest.CountStatus
	oneRowPerJob = runtest.OneRowPerJob
	rowSet       = runtest.RowSet
	tabsCSV      = runtest.TabsCSV
)

// runResult is what one invocation of the command line produced.
type runResult struct {
	code   int
	stdout string
	stderr string
}

// bulk runs the command line in-process with env as its environment.
func bulk(t *testing.T, env map[string]string, args ...string) runResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, iostreams.Test(strings.NewReader(""), &out, &errOut, env))
	return runResult{code: code, stdout: out.String(), stderr: errOut.String()}
}
