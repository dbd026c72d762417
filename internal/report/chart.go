package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The chart of the report: how many calls fell in the window of the limit
// (a minute, for the service's 100 per 60 s) at each moment of the run,
// which is what the service counts, against the limit; the holds the
// service asked for shaded, and each 429 marked. It is SVG made here, so
// the page needs nothing else to show it.

// chart is what the page's SVG draws, in its own coordinates.
type chart struct {
	Width, Height      int
	PlotX, PlotY       int
	PlotW, PlotH       int
	Path               string // the calls in the window, a step line
	LimitY             float64
	Limit              string // "limit 100 per 1m0s"
	Series             string // "calls in the last 1m0s"
	Holds              []span
	Marks              []float64 // x of each 429
	XTicks, YTicks     []tick
	Empty              bool
	Peak               int
	PeakOver           bool // the peak went above the limit
	PlotRight, BottomY int
	TickY, MarkY       int
	LegendY, AxisY     int
}

type span struct {
	X, W  float64
	Title string
}

type tick struct {
	At    float64
	Label string
}

// Chart dimensions, in SVG units.
const (
	chartW, chartH                        = 900, 300
	plotLeft, plotRight, plotTop, plotBot = 56, 16, 16, 64
)

// newChart lays out the chart of calls over [start, end] against a limit of
// n calls per window.
func newChart(calls, throttled []time.Time, holds []Hold, start, end time.Time, n int, window time.Duration) chart {
	c := chart{Width: chartW, Height: chartH, PlotX: plotLeft, PlotY: plotTop,
		PlotW: chartW - plotLeft - plotRight, PlotH: chartH - plotTop - plotBot,
		Limit: fmt.Sprintf("limit: %d calls per %s", n, window), Series: "calls in the last " + window.String()}
	c.PlotRight, c.BottomY = c.PlotX+c.PlotW, c.PlotY+c.PlotH
	c.TickY, c.MarkY = c.BottomY+5, c.BottomY-10
	c.AxisY, c.LegendY = c.BottomY+18, c.BottomY+44
	if window == time.Minute {
		c.Series = "calls per minute (in the last 60 s)"
	}
	if len(calls) == 0 || window <= 0 {
		c.Empty = true
		return c
	}
	if end.Before(calls[len(calls)-1]) {
		end = calls[len(calls)-1]
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	dur := end.Sub(start)
	steps := windowSteps(calls, window)
	for _, s := range steps {
		c.Peak = max(c.Peak, s.v)
	}
	c.PeakOver = c.Peak > n
	top := float64(max(n, c.Peak)) * 1.15
	x := func(t time.Time) float64 {
		return float64(c.PlotX) + float64(c.PlotW)*float64(t.Sub(start))/float64(dur)
	}
	y := func(v int) float64 { return float64(c.BottomY) - float64(c.PlotH)*float64(v)/top }
	c.Path = stepPath(steps, start, dur, c.PlotW, float64(c.PlotX), y)
	c.LimitY = y(n)
	for _, h := range holds {
		from, until := max(x(h.From), float64(c.PlotX)), min(x(h.Until), float64(c.PlotX+c.PlotW))
		if until > from {
			c.Holds = append(c.Holds, span{X: from, W: math.Max(until-from, 1),
				Title: fmt.Sprintf("held by the service from %s until %s", h.From.Format("15:04:05"), h.Until.Format("15:04:05"))})
		}
	}
	for _, t := range throttled {
		c.Marks = append(c.Marks, x(t))
	}
	c.XTicks = timeTicks(dur, func(d time.Duration) float64 { return x(start.Add(d)) })
	for _, v := range slices.Compact([]int{0, n / 2, n}) {
		c.YTicks = append(c.YTicks, tick{At: y(v), Label: strconv.Itoa(v)})
	}
	if c.PeakOver {
		c.YTicks = append(c.YTicks, tick{At: y(c.Peak), Label: strconv.Itoa(c.Peak)})
	}
	return c
}

// step is the count of calls in the window from t on.
type step struct {
	t time.Time
	v int
}

// windowSteps are the counts of calls in the window (t-window, t] as they
// change: up at each call, down when it leaves the window.
func windowSteps(calls []time.Time, window time.Duration) []step {
	out := make([]step, 0, 2*len(calls))
	in, leave := 0, 0
	for i := 0; i < len(calls) || leave < len(calls); {
		next := time.Time{}
		if leave < len(calls) {
			next = calls[leave].Add(window)
		}
		if i < len(calls) && (next.IsZero() || calls[i].Before(next)) {
			in++
			out = append(out, step{calls[i], in})
			i++
			continue
		}
		in--
		out = append(out, step{next, in})
		leave++
	}
	return out
}

// stepPath draws the steps as a step line, one column of the plot at a
// time, each column at the highest count it saw (so no peak is lost to
// the resolution).
func stepPath(steps []step, start time.Time, dur time.Duration, cols int, x0 float64, y func(int) float64) string {
	var b strings.Builder
	cur, i := 0, 0
	prevY := math.NaN()
	for col := 0; col < cols; col++ {
		colEnd := start.Add(time.Duration(float64(dur) * float64(col+1) / float64(cols)))
		high := cur
		for i < len(steps) && !steps[i].t.After(colEnd) {
			cur = steps[i].v
			high = max(high, cur)
			i++
		}
		yy := y(high)
		px := x0 + float64(col)
		switch {
		case math.IsNaN(prevY):
			fmt.Fprintf(&b, "M%.1f %.1f", px, yy)
		case yy != prevY:
			fmt.Fprintf(&b, "H%.1fV%.1f", px, yy)
		}
		prevY = yy
	}
	fmt.Fprintf(&b, "H%.1f", x0+float64(cols))
	return b.String()
}

// timeTicks are the marks of the time axis: a round step giving at most
// eight, labelled as time since the start.
func timeTicks(dur time.Duration, x func(time.Duration) float64) []tick {
	steps := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if dur/s <= 8 {
			step = s
			break
		}
	}
	var out []tick
	for d := time.Duration(0); d <= dur; d += step {
		out = append(out, tick{At: x(d), Label: elapsedLabel(d, step)})
	}
	return out
}

// elapsedLabel is d as m:ss (h:mm:ss past an hour), or seconds with a
// tenth when the ticks are under a second apart.
func elapsedLabel(d, step time.Duration) string {
	if step < time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
