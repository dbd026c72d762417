package report

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/secret"
)

// hostile are values a row may hold that must reach the page as text.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(2)>`,
	`</td></tr></table><iframe src="http://evil.example/">`,
	`&amp; ]]> <!-- x -->`,
}

// samplePage is a run of 20 minutes: calls at the limit's pace, a burst
// the service throttled with a Retry-After hold, and rows of every status,
// some with hostile values.
func samplePage() Page {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	tl := &Timeline{}
	at := start
	for i := range 1500 {
		at = at.Add(612 * time.Millisecond)
		if i == 700 { // a burst, throttled, then a hold of 45 s
			for range 30 {
				tl.Call(at, false, 0)
			}
			tl.Call(at, true, 45*time.Second)
			tl.Call(at.Add(time.Second), true, 0)
			at = at.Add(45 * time.Second)
		}
		tl.Call(at, false, 0)
	}
	var s Summary
	rows := []Row{
		{Source: "joiners.csv", Row: 2, Action: "create-user", Key: "ZNG", Status: executor.StatusOK, Name: "Zoë Ng"},
		{Source: "joiners.csv", Row: 3, Action: "create-user", Key: hostile[0], Status: executor.StatusFailed, HTTPStatus: "400",
			Error: "create-user: role " + hostile[1] + " is not a role of ACTIVE_US; the password S3cret-Passw0rd! was refused"},
		{Source: "joiners.csv", Row: 4, Action: "create-user", Key: "JDOE", Status: executor.StatusConflict, Error: "conflict: email " + hostile[2]},
		{Source: "javascript:alert(3)", Row: 5, Action: "add-tab", Key: "ACTIVE_US!1000/Pleadings", Status: executor.StatusUnknown, Error: "addTab: no answer " + hostile[3]},
		{Source: "joiners.csv", Row: 6, Action: "assign-user-to-library", Key: "BAD/ARCHIVE", Status: executor.StatusSkipped, Error: "not started"},
		{Source: "joiners.csv", Row: 7, Action: "add-tab", Key: "ACTIVE_US!1001/Billing", Status: executor.StatusExists},
	}
	for _, r := range rows {
		s.Count(r.Action, r.Status)
	}
	s.Calls, s.Throttled, s.Retries = 1532, 2, 2
	s.ResultFile = "/var/lib/bulk/joiners.results.csv"
	s.Files = []File{{KindFailed, "/var/lib/bulk/joiners.failed.csv", 3}, {KindUnknown, "/var/lib/bulk/joiners.unknown.csv", 1}}
	s.Finish(at.Sub(start))
	return Page{Manifests: []string{"/var/lib/bulk/joiners.csv"}, Service: "https://cloudimanage.com as svc-bulk", Started: start, Ended: at.Add(time.Second),
		Limit: 100, Window: time.Minute, Summary: &s, Rows: rows, Timeline: tl}
}

// The report page: its content is held to a golden file; every value is
// escaped; it loads nothing (no script, link, image, frame, font or URL);
// a secret is redacted; the chart shows the limit, the hold and the 429s.
func TestReportPage(t *testing.T) {
	red := &secret.Redactor{}
	red.Add("S3cret-Passw0rd!")
	var buf bytes.Buffer
	if err := writeHTML(&buf, samplePage(), red); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	golden(t, "report.golden.html", buf.Bytes())
	for _, h := range hostile {
		if strings.Contains(html, h) {
			t.Errorf("the page holds %q unescaped", h)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;", "javascript:alert(3)"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks the escaped %q", want)
		}
	}
	if strings.Contains(html, "S3cret-Passw0rd!") || !strings.Contains(html, "[redacted]") {
		t.Error("a secret reached the page")
	}
	loads := regexp.MustCompile(`(?i)<script|<link|<img|<iframe|<object|<embed|\ssrc=|\shref=|url\(|@import|@font-face`)
	if m := loads.FindAllString(stripEscaped(html), -1); len(m) > 0 {
		t.Errorf("the page would load something: %q", m)
	}
	for _, want := range []string{"limit: 100 calls per 1m0s", "calls per minute (in the last 60 s)", "held by the service from 02:07:09 until 02:07:54",
		"<title>429</title>", "2 of 6 jobs succeeded", "1 failed, 1 conflict, 1 skipped, 1 unknown", "over the limit"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(html, "<title>429</title>"); n != 2 {
		t.Errorf("%d marks of a 429, want 2", n)
	}
}

// stripEscaped leaves out the text of the page's values (what is between
// tags), so a check for what the page loads looks at its markup only.
func stripEscaped(html string) string {
	return regexp.MustCompile(`>[^<]*<`).ReplaceAllString(html, "><")
}

// Holds that overlap are one.
func TestOverlappingHoldsAreOne(t *testing.T) {
	t0 := time.Unix(0, 0)
	tl := &Timeline{}
	tl.Call(t0, true, 10*time.Second)
	tl.Call(t0.Add(2*time.Second), true, 10*time.Second)
	tl.Call(t0.Add(30*time.Second), true, 5*time.Second)
	_, _, holds := tl.snapshot()
	want := []Hold{{t0, t0.Add(12 * time.Second)}, {t0.Add(30 * time.Second), t0.Add(35 * time.Second)}}
	if !slices.Equal(holds, want) {
		t.Fatalf("holds %v, want %v", holds, want)
	}
}

// The calls in the window rise with each call and fall as it leaves.
func TestWindowSteps(t *testing.T) {
	t0 := time.Unix(0, 0)
	calls := []time.Time{t0, t0.Add(time.Second), t0.Add(2 * time.Second), t0.Add(10 * time.Second)}
	var got []int
	for _, s := range windowSteps(calls, 5*time.Second) {
		got = append(got, s.v)
	}
	if want := []int{1, 2, 3, 2, 1, 0, 1, 0}; !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	// A call exactly a window after another: the first has left.
	got = got[:0]
	for _, s := range windowSteps([]time.Time{t0, t0.Add(5 * time.Second)}, 5*time.Second) {
		got = append(got, s.v)
	}
	if want := []int{1, 0, 1, 0}; !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
}
