package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/manifest"
)

// addManifestFlags adds the flags that say how to read manifests, shared by
// `bulk validate` and `bulk run`.
func addManifestFlags(cmd *cobra.Command, o *manifest.Options) {
	f := cmd.Flags()
	f.StringVar(&o.Action, "action", "", "the action of every row, for files without an action column (see 'bulk actions')")
	f.Var(&setFlag{o: o}, "set", "FIELD=VALUE given to every row that has no column for FIELD (repeatable)")
	f.Var(&delimiterFlag{r: &o.Delimiter}, "delimiter", `CSV separator: "," ";" "|" or "tab" (default: detected from the header)`)
	f.StringVar(&o.Encoding, "encoding", "", "text encoding of CSV files: utf-8, utf-16 or windows-1252 (default: UTF-8, or as the byte-order mark says)")
	f.StringVar(&o.Sheet, "sheet", "", "sheet of an .xlsx workbook (default: the active sheet, or the first visible one)")
	f.StringVar(&o.HiddenRows, "hidden-rows", "", "rows hidden in a sheet (by a filter or by hand): include or skip (default: an error naming them)")
	f.IntVar(&o.HeaderRow, "header-row", 0, "the row of the header (default: the first row, or the row below title rows when that is plain)")
	f.BoolVar(&o.IgnoreColumns, "ignore-columns", false, "ignore columns that are not fields, instead of reporting them")
	f.IntVar(&o.Limits.MaxRows, "max-rows", manifest.DefaultLimits.MaxRows, "most rows read from one file")
	f.BoolVar(&o.Strict, "strict", false, "treat every warning as an error (exit 2): for cron jobs that must not guess")
}

// setFlag collects --set FIELD=VALUE into Options.Set.
type setFlag struct{ o *manifest.Options }

func (s *setFlag) String() string {
	if s.o == nil || len(s.o.Set) == 0 {
		return ""
	}
	var parts []string
	for k, v := range s.o.Set {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (s *setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want FIELD=VALUE, e.g. --set preferred_library=ACTIVE_US")
	}
	if s.o.Set == nil {
		s.o.Set = map[string]string{}
	}
	k = strings.TrimSpace(k)
	if _, dup := s.o.Set[k]; dup {
		return fmt.Errorf("%s is set twice", k)
	}
	s.o.Set[k] = val
	return nil
}

func (s *setFlag) Type() string { return "FIELD=VALUE" }

// delimiterFlag reads a separator by character or name.
type delimiterFlag struct{ r *rune }

func (d *delimiterFlag) String() string {
	if d.r == nil || *d.r == 0 {
		return ""
	}
	if *d.r == '\t' {
		return "tab"
	}
	return string(*d.r)
}

func (d *delimiterFlag) Set(v string) error {
	switch strings.ToLower(v) {
	case ",", "comma":
		*d.r = ','
	case ";", "semicolon":
		*d.r = ';'
	case "|", "pipe":
		*d.r = '|'
	case "tab", `\t`, "\t":
		*d.r = '\t'
	default:
		return fmt.Errorf(`want one of "," ";" "|" or "tab"`)
	}
	return nil
}

func (d *delimiterFlag) Type() string { return "SEP" }
