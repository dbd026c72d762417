package report

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
)

// Summary is the end-of-run report.
type Summary struct {
	Actions        map[string]*executor.Tally `json:"actions"`
	Total          executor.Tally             `json:"total"`
	Calls          int64                      `json:"calls"`
	Throttled      int64                      `json:"throttled"` // 429s met
	Retries        int64                      `json:"retries"`
	Elapsed        time.Duration              `json:"-"`
	ElapsedSeconds float64                    `json:"elapsed_seconds"`
	CallsPerMinute float64                    `json:"calls_per_minute"`
	// NotCompared counts the rows that ended exists with fields the
	// service did not show, so could not be compared (each row's note
	// names them).
	NotCompared    int    `json:"exists_not_compared,omitempty"`
	ResultFile     string `json:"result_file,omitempty"`
	ReportFile     string `json:"report_file,omitempty"` // --report
	JournalFile    string `json:"journal_file,omitempty"`
	PasswordFile   string `json:"password_file,omitempty"`   // --generate-passwords
	Passwords      int    `json:"passwords,omitempty"`       // generated passwords written: users this run created
	CarriedOver    int    `json:"carried_over,omitempty"`    // jobs taken from the journal as already ok or exists
	JournalMissing bool   `json:"journal_missing,omitempty"` // --resume found no journal: every job ran as new
	Warnings       int    `json:"warnings"`                  // manifest warnings, printed before the run
	Interrupted    bool   `json:"interrupted,omitempty"`
	Stopped        string `json:"stopped,omitempty"` // why the run stopped early, if it did
	// Problems are the rows' problems against the service's schemas, when
	// those stopped the run before its first write.
	Problems []manifest.Problem `json:"problems,omitempty"`
	// RateLimit is the declared window the run kept to; SlowedTo, when the
	// service throttled inside it, the lowest pace the run then kept
	// ("35 calls per 60s"); Outages and OutageSeconds, the times the
	// service failed for every job and how long, all told.
	RateLimit     string        `json:"rate_limit,omitempty"`
	Window        time.Duration `json:"-"` // the limit's window: a run shorter than it has no pace to speak of
	SlowedTo      string        `json:"slowed_to,omitempty"`
	Outages       int           `json:"outages,omitempty"`
	OutageSeconds float64       `json:"outage_seconds,omitempty"`
	// SchemaReads counts the schema operations read before the first write
	// (they are among Calls); SchemaFallbacks name those the service does
	// not have, whose members followed the contract's shape instead.
	SchemaReads     int      `json:"schema_reads,omitempty"`
	SchemaFallbacks []string `json:"schema_fallbacks,omitempty"`
	// Files are the files written beside the result file: the rows to fix
	// or check, and the items read.
	Files []File `json:"files,omitempty"`
}

// fileWhat says what each kind of file beside the results is for.
var fileWhat = map[string]string{
	KindFailed:  "rows to fix and run again",
	KindUnknown: "rows to check in the service first",
	KindReads:   "items read",
}

// Count adds one job outcome.
func (s *Summary) Count(action string, st executor.Status) {
	if s.Actions == nil {
		s.Actions = map[string]*executor.Tally{}
	}
	t := s.Actions[action]
	if t == nil {
		t = &executor.Tally{}
		s.Actions[action] = t
	}
	t.Add(st)
	s.Total.Add(st)
}

// Finish fills the derived figures.
func (s *Summary) Finish(elapsed time.Duration) {
	s.Elapsed = elapsed
	s.ElapsedSeconds = elapsed.Round(time.Millisecond).Seconds()
	// n calls paced evenly span n-1 intervals: dividing by those gives the
	// pace kept (98 a minute at the default limit), where calls/elapsed
	// would show a short run above the limit it kept to.
	switch {
	case s.Window > 0 && elapsed < s.Window:
		// A run shorter than the limit's window: its calls all fall in one
		// window, so that is what they are counted over (a pace per
		// elapsed minute would show a short run far above the limit it
		// kept to, and alarm whoever watches the figure).
		s.CallsPerMinute = float64(s.Calls) / s.Window.Minutes()
	case elapsed > 0 && s.Calls > 1:
		s.CallsPerMinute = float64(s.Calls-1) / elapsed.Minutes()
	}
}

// sortedKeys are the actions of a summary, sorted.
func sortedKeys(m map[string]*executor.Tally) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WriteText prints the summary as a small table.
func (s *Summary) WriteText(w io.Writer) {
	names := sortedKeys(s.Actions)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "action")
	for _, st := range executor.Statuses() {
		fmt.Fprintf(tw, "\t%s", st)
	}
	fmt.Fprintln(tw)
	line := func(name string, c executor.Tally) {
		fmt.Fprint(tw, name)
		for _, st := range executor.Statuses() {
			fmt.Fprintf(tw, "\t%d", c.Of(st))
		}
		fmt.Fprintln(tw)
	}
	for _, n := range names {
		line(n, *s.Actions[n])
	}
	line("total", s.Total)
	tw.Flush()
	if s.Window > 0 && s.Elapsed < s.Window {
		// Within one window the limit allows its N at once: a pace per
		// minute would only look like the limit broken.
		fmt.Fprintf(w, "calls %d, throttled (429) %d, retries %d, elapsed %s (within one window of --rate-limit %s)\n",
			s.Calls, s.Throttled, s.Retries, s.Elapsed.Round(100*time.Millisecond), s.RateLimit)
	} else {
		fmt.Fprintf(w, "calls %d, throttled (429) %d, retries %d, elapsed %s, %.1f calls/min\n",
			s.Calls, s.Throttled, s.Retries, s.Elapsed.Round(100*time.Millisecond), s.CallsPerMinute)
	}
	if s.SlowedTo != "" {
		fmt.Fprintf(w, "the service throttled inside --rate-limit %s: the pace was lowered, to %s at its lowest; if it recurs, set a lower --rate-limit\n", s.RateLimit, s.SlowedTo)
	}
	if s.Outages > 0 {
		fmt.Fprintf(w, "the service failed for every job %d time(s), %s in all: the workers held and probed it, and no attempt was counted for it\n",
			s.Outages, (time.Duration(s.OutageSeconds * float64(time.Second))).Round(100*time.Millisecond))
	}
	if s.NotCompared > 0 {
		fmt.Fprintf(w, "%d row(s) ended exists with fields the service did not show, so they were not compared: each row's note names them\n", s.NotCompared)
	}
	if s.JournalMissing {
		fmt.Fprintf(w, "--resume found no journal at %s: every job ran as new\n", s.JournalFile)
	}
	if s.SchemaReads > 0 {
		fmt.Fprintf(w, "the service's schemas: %d read before the first write\n", s.SchemaReads)
	}
	for _, op := range s.SchemaFallbacks {
		fmt.Fprintf(w, "the service has no %s: the contract's shape was used\n", op)
	}
	if s.CarriedOver > 0 {
		fmt.Fprintf(w, "%d jobs carried over from the journal (ok or exists in an earlier run)\n", s.CarriedOver)
	}
	if s.Warnings > 0 {
		fmt.Fprintf(w, "%d manifest warning(s), listed before the run (--strict makes them errors)\n", s.Warnings)
	}
	if s.Stopped != "" {
		fmt.Fprintf(w, "stopped early: %s\n", s.Stopped)
	}
	if s.ResultFile != "" {
		fmt.Fprintf(w, "results: %s\n", s.ResultFile)
	}
	for _, f := range s.Files {
		fmt.Fprintf(w, "%s: %s (%d)\n", fileWhat[f.Kind], f.Path, f.Rows)
	}
	if s.ReportFile != "" {
		fmt.Fprintf(w, "report: %s\n", s.ReportFile)
	}
	if s.PasswordFile != "" {
		if s.Passwords == 0 {
			fmt.Fprintf(w, "passwords: none written (no user was created with a generated password), no %s\n", s.PasswordFile)
		} else {
			fmt.Fprintf(w, "passwords: %d new users' passwords in %s\n", s.Passwords, s.PasswordFile)
		}
	}
}
