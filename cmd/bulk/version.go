package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/iostreams"
)

func newVersionCmd(ios *iostreams.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print bulk's version, the commit it was built from, and the Go it was built with",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info, ok := debug.ReadBuildInfo()
			if !ok {
				fmt.Fprintf(ios.Out, "bulk (no build information) %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			}
			fmt.Fprintln(ios.Out, versionLine(info, runtime.GOOS, runtime.GOARCH))
			return nil
		},
	}
}

// versionLine is "bulk VERSION (commit REV, TIME[, modified]) GO OS/ARCH"
// from the build information Go embeds: the module's version (a tag, or a
// pseudo-version; "(devel)" from a plain go build) and the VCS revision.
func versionLine(info *debug.BuildInfo, goos, goarch string) string {
	s := map[string]string{}
	for _, kv := range info.Settings {
		s[kv.Key] = kv.Value
	}
	vcs := "no commit recorded"
	if rev := s["vcs.revision"]; rev != "" {
		vcs = "commit " + rev
		if t := s["vcs.time"]; t != "" {
			vcs += ", " + t
		}
		if s["vcs.modified"] == "true" {
			vcs += ", with changes not committed"
		}
	}
	return fmt.Sprintf("bulk %s (%s) %s %s/%s", info.Main.Version, vcs, info.GoVersion, goos, goarch)
}
