package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// The report (--report FILE.html) is one page for the person who reads the
// cron mail: how each action's jobs ended, the run's calls against the
// limit with the service's holds, the files beside the results, and the
// rows to look at with the reason. It is self-contained: its CSS is in it,
// its chart is SVG made here (chart.go), and it has no script, no link and
// no image, so it shows the same opened from a mail, a share or a disk with
// no network. Every value comes from the run and passes through
// html/template, which escapes it for where it goes.

//go:embed page/report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Parse(pageTemplate))

// maxPageRows is how many rows to look at the page lists; the failed and
// unknown files hold them all.
const maxPageRows = 500

// Page is what the report says of a run.
type Page struct {
	Manifests []string
	Service   string
	Started   time.Time
	Ended     time.Time
	Limit     int           // calls
	Window    time.Duration // per window
	Summary   *Summary
	Rows      []Row // every job's result row
	Timeline  *Timeline
}

// writeHTML writes the report page.
func writeHTML(w io.Writer, p Page, red *secret.Redactor) error {
	if err := page.Execute(w, p.view(red)); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// WriteReport replaces path, atomically, with the report page.
func WriteReport(path string, p Page, red *secret.Redactor) error {
	err := runfiles.ReplaceFile(path, 0o644, func(w io.Writer) error { return writeHTML(w, p, red) })
	if err != nil {
		return fmt.Errorf("writing the report %s: %w", path, err)
	}
	return nil
}

// pageView is the template's data.
type pageView struct {
	Title, Service, Started, Ended, Elapsed string
	Verdict, VerdictClass, Stopped          string
	Statuses                                []statusHead
	Actions                                 []actionLine
	CarriedOver                             int
	Calls, Throttled, Retries               int64
	CallsPerMinute                          float64
	Chart                                   chart
	ResultFile                              string
	Files                                   []pageFile
	Rows                                    []pageRow
	MoreRows, Skipped                       int
}

type statusHead struct{ Name, Class string }

type actionLine struct {
	Name   string
	Counts []int
	Jobs   int
	Total  bool
}

type pageFile struct {
	What, Path string
	Rows       int
}

type pageRow struct {
	Source, Action, Key, Status, Class, Error string
	Row                                       int
}

// followUpClass is the CSS class of a status, by what is to be done.
var followUpClass = map[executor.FollowUp]string{
	executor.FollowUpNone: "s-none", executor.FollowUpFix: "s-fix",
	executor.FollowUpRun: "s-run", executor.FollowUpCheck: "s-check",
}

func (p Page) view(red *secret.Redactor) pageView {
	s := p.Summary
	if s == nil {
		s = &Summary{}
	}
	names := make([]string, len(p.Manifests))
	for i, m := range p.Manifests {
		names[i] = filepath.Base(m)
	}
	v := pageView{Title: "bulk run of " + strings.Join(names, ", "), Service: p.Service,
		Started: p.Started.Format("2006-01-02 15:04:05 MST"), Ended: p.Ended.Format("15:04:05"),
		Elapsed: p.Ended.Sub(p.Started).Round(100 * time.Millisecond).String(), Stopped: red.Redact(s.Stopped),
		CarriedOver: s.CarriedOver, Calls: s.Calls, Throttled: s.Throttled, Retries: s.Retries,
		CallsPerMinute: s.CallsPerMinute, ResultFile: s.ResultFile}
	v.Verdict, v.VerdictClass = verdict(s.Total)
	for _, st := range executor.Statuses() {
		v.Statuses = append(v.Statuses, statusHead{Name: string(st), Class: followUpClass[st.FollowUp()]})
	}
	v.Actions = actionLines(s)
	for _, f := range s.Files {
		v.Files = append(v.Files, pageFile{What: fileWhat[f.Kind], Path: f.Path, Rows: f.Rows})
	}
	for _, r := range p.Rows {
		switch r.Status.FollowUp() {
		case executor.FollowUpRun:
			v.Skipped++
			continue
		case executor.FollowUpNone:
			continue
		}
		if len(v.Rows) == maxPageRows {
			v.MoreRows++
			continue
		}
		v.Rows = append(v.Rows, pageRow{Source: red.Redact(r.Source), Row: r.Row, Action: r.Action, Key: red.Redact(r.Key),
			Status: string(r.Status), Class: followUpClass[r.Status.FollowUp()], Error: red.Redact(r.Error)})
	}
	calls, throttled, holds := p.Timeline.snapshot()
	v.Chart = newChart(calls, throttled, holds, p.Started, p.Ended, p.Limit, p.Window)
	return v
}

// verdict is the page's one sentence on the run, and its colour.
func verdict(t executor.Tally) (string, string) {
	total, good := t.Total(), t.Succeeded()
	switch {
	case total == 0:
		return "The run had no job.", "good"
	case good == total:
		return fmt.Sprintf("All %d jobs succeeded.", total), "good"
	}
	var parts []string
	for _, st := range executor.Statuses() {
		if n := t.Of(st); n > 0 && !st.Succeeded() {
			parts = append(parts, strconv.Itoa(n)+" "+string(st))
		}
	}
	class := "bad"
	if t.Of(executor.StatusUnknown) > 0 {
		class = "check"
	}
	return fmt.Sprintf("%d of %d jobs succeeded; %s: see the rows below.", good, total, strings.Join(parts, ", ")), class
}

// actionLines are the summary's lines, per action then the total.
func actionLines(s *Summary) []actionLine {
	var out []actionLine
	line := func(name string, t executor.Tally, total bool) {
		l := actionLine{Name: name, Jobs: t.Total(), Total: total}
		for _, st := range executor.Statuses() {
			l.Counts = append(l.Counts, t.Of(st))
		}
		out = append(out, l)
	}
	for _, n := range sortedKeys(s.Actions) {
		line(n, *s.Actions[n], false)
	}
	line("total", s.Total, true)
	return out
}
