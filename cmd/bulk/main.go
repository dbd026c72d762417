// Command bulk runs iManage Work admin jobs in bulk from a manifest.
//
// This package is the face: cobra commands turn flags and the environment
// into option values and call one entry point per command (internal/run,
// internal/sim, internal/actions); internal/exit chooses the exit code.
package main

import (
	"os"

	"github.com/firmtools/bulk/internal/iostreams"
)

func main() { os.Exit(Main(os.Args[1:], iostreams.System())) }
