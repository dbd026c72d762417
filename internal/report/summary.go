package report

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"
)

// ActionCounts are the outcomes of one action's jobs.
type ActionCounts struct {
	OK      int `json:"ok"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Unknown int `json:"unknown"`
}

// Total is the number of jobs counted.
func (c ActionCounts) Total() int { return c.OK + c.Failed + c.Skipped + c.Unknown }

// Summary is the end-of-run report.
type Summary struct {
	Actions        map[string]*ActionCounts `json:"actions"`
	Total          ActionCounts             `json:"total"`
	Calls          int64                    `json:"calls"`
	Throttled      int64                    `json:"throttled"` // 429s met
	Retries        int64                    `json:"retries"`
	Elapsed        time.Duration            `json:"-"`
	ElapsedSeconds float64                  `json:"elapsed_seconds"`
	CallsPerMinute float64                  `json:"calls_per_minute"`
	ResultFile     string                   `json:"result_file,omitempty"`
	JournalFile    string                   `json:"journal_file,omitempty"`
	CarriedOver    int                      `json:"carried_over,omitempty"`    // jobs taken from the journal as already ok
	JournalMissing bool                     `json:"journal_missing,omitempty"` // --resume found no journal: every job ran as new
	Interrupted    bool                     `json:"interrupted,omitempty"`
	Stopped        string                   `json:"stopped,omitempty"` // why the run stopped early, if it did
}

// Count adds one job outcome.
func (s *Summary) Count(action string, st Status) {
	if s.Actions == nil {
		s.Actions = map[string]*ActionCounts{}
	}
	c := s.Actions[action]
	if c == nil {
		c = &ActionCounts{}
		s.Actions[action] = c
	}
	for _, x := range []*ActionCounts{c, &s.Total} {
		switch st {
		case StatusOK:
			x.OK++
		case StatusFailed:
			x.Failed++
		case StatusSkipped:
			x.Skipped++
		case StatusUnknown:
			x.Unknown++
		}
	}
}

// Finish fills the derived figures.
func (s *Summary) Finish(elapsed time.Duration) {
	s.Elapsed = elapsed
	s.ElapsedSeconds = elapsed.Round(time.Millisecond).Seconds()
	// n calls paced evenly span n-1 intervals: dividing by those gives the
	// pace kept (98 a minute at the default limit), where calls/elapsed
	// would show a short run above the limit it kept to.
	if elapsed > 0 && s.Calls > 1 {
		s.CallsPerMinute = float64(s.Calls-1) / elapsed.Minutes()
	}
}

// WriteText prints the summary as a small table.
func (s *Summary) WriteText(w io.Writer) {
	names := make([]string, 0, len(s.Actions))
	for n := range s.Actions {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "action\tok\tfailed\tskipped\tunknown")
	for _, n := range names {
		c := s.Actions[n]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", n, c.OK, c.Failed, c.Skipped, c.Unknown)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\n", s.Total.OK, s.Total.Failed, s.Total.Skipped, s.Total.Unknown)
	tw.Flush()
	fmt.Fprintf(w, "calls %d, throttled (429) %d, retries %d, elapsed %s, %.1f calls/min\n",
		s.Calls, s.Throttled, s.Retries, s.Elapsed.Round(100*time.Millisecond), s.CallsPerMinute)
	if s.JournalMissing {
		fmt.Fprintf(w, "--resume found no journal at %s: every job ran as new\n", s.JournalFile)
	}
	if s.CarriedOver > 0 {
		fmt.Fprintf(w, "%d jobs carried over as ok from the journal\n", s.CarriedOver)
	}
	if s.Stopped != "" {
		fmt.Fprintf(w, "stopped early: %s\n", s.Stopped)
	}
	if s.ResultFile != "" {
		fmt.Fprintf(w, "results: %s\n", s.ResultFile)
	}
}
