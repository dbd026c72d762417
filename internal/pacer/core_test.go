package pacer

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/ratelimit"
)

// The core's tests run a discrete-event simulation: workers take jobs,
// ask the core for a turn, "send" the call (the service sees it arrive at
// some moment between the grant and the end), and tell the core how it
// ended. Time is simulated: a run of hours takes milliseconds, and every
// figure is exact.

var t0 = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

// service decides each call at its arrival.
type service interface {
	answer(at time.Time) Result
}

// slidingWindow is the contract's service: at most n arrivals in any
// window of length w; beyond it a 429, with Retry-After when retryAfter.
type slidingWindow struct {
	n          int
	w          time.Duration
	retryAfter bool
	admitted   []time.Time
}

func (s *slidingWindow) answer(at time.Time) Result {
	cut := at.Add(-s.w)
	i := 0
	for i < len(s.admitted) && !s.admitted[i].After(cut) {
		i++
	}
	s.admitted = s.admitted[i:]
	if len(s.admitted) >= s.n {
		r := Result{Kind: Throttled}
		if s.retryAfter {
			r.HasRetryAfter = true
			r.RetryAfter = s.admitted[len(s.admitted)-s.n].Add(s.w).Sub(at)
		}
		return r
	}
	s.admitted = append(s.admitted, at)
	return Result{Kind: Answered}
}

// leakyBucket is nginx's limit_req: rate per second, burst extra, a 429
// without Retry-After beyond.
type leakyBucket struct {
	rate   float64 // calls a second
	burst  float64
	excess float64
	last   time.Time
}

func (b *leakyBucket) answer(at time.Time) Result {
	if !b.last.IsZero() {
		b.excess = max(0, b.excess-b.rate*at.Sub(b.last).Seconds())
	}
	b.last = at
	if b.excess+1 > b.burst+1 {
		return Result{Kind: Throttled}
	}
	b.excess++
	return Result{Kind: Answered}
}

// downBetween fails every call arriving in [from, to) with kind, and
// passes the others to next.
type downBetween struct {
	from, to time.Time
	kind     Kind
	next     service
}

func (d *downBetween) answer(at time.Time) Result {
	if !at.Before(d.from) && at.Before(d.to) {
		return Result{Kind: d.kind, What: "503 Service Unavailable"}
	}
	return d.next.answer(at)
}

// always answers r.
type always Result

func (a always) answer(time.Time) Result { return Result(a) }

type simCall struct {
	job           int
	grant, arrive time.Time
	end           time.Time
	result        Result
	answered      bool // the service has decided it
	outage        bool
}

type simRun struct {
	limit    ratelimit.Limit
	set      Settings
	svc      service
	workers  int
	jobs     int
	latency  func(r *rand.Rand) time.Duration
	seed     uint64
	maxCalls int // stop (fail) beyond this many calls: a loop that never ends
	// maxAttempts, when set, ends a job after that many Failing calls
	// counted against it (not the outage's), as the executor does.
	maxAttempts int
	counted     map[int]int
	poison      map[int]bool // jobs whose every call fails (Failing)

	calls   []simCall
	elapsed time.Duration
	gaveUp  error
	core    *core
}

// run simulates until every job answered (or the core gave up): a job
// whose call is throttled or meets an outage asks again.
func (s *simRun) run(t *testing.T) {
	t.Helper()
	rng := rand.New(rand.NewPCG(s.seed, 7))
	c := newCore(s.limit, s.set)
	s.core = c
	s.counted = map[int]int{}
	if s.maxCalls == 0 {
		s.maxCalls = 100 * s.jobs
	}
	type worker struct {
		job     int // 0: idle
		p       *permit
		pending *simCall
		wake    time.Time
	}
	ws := make([]*worker, s.workers)
	for i := range ws {
		ws[i] = &worker{}
	}
	now, nextJob, finished := t0, 1, 0
	for finished < s.jobs {
		// Arrivals due now, in order of arrival: the service decides them.
		var arriving []*simCall
		for _, w := range ws {
			if c := w.pending; c != nil && !c.answered && !c.arrive.After(now) {
				arriving = append(arriving, c)
			}
		}
		sort.SliceStable(arriving, func(i, j int) bool { return arriving[i].arrive.Before(arriving[j].arrive) })
		for _, c := range arriving {
			c.result, c.answered = s.answer(c), true
		}
		// Ends due now.
		for _, w := range ws {
			if w.pending != nil && w.pending.answered && !w.pending.end.After(now) {
				call := w.pending
				call.outage = c.done(now, w.p, call.result)
				s.calls = append(s.calls, *call)
				w.pending, w.p = nil, nil
				if call.result.Kind == Failing && !call.outage {
					s.counted[call.job]++
				}
				if call.result.Kind == Answered || s.maxAttempts > 0 && s.counted[call.job] >= s.maxAttempts {
					w.job = 0
					finished++
				}
			}
		}
		// Grants, in worker order.
		for _, w := range ws {
			if w.pending != nil {
				continue
			}
			if w.job == 0 {
				if nextJob > s.jobs {
					continue
				}
				w.job, nextJob = nextJob, nextJob+1
			}
			p, wake, err := c.grant(now, w.job)
			if err != nil {
				s.gaveUp, s.elapsed = err, now.Sub(t0)
				return
			}
			if p == nil {
				w.wake = wake
				continue
			}
			d := s.latency(rng)
			arrive := now.Add(time.Duration(rng.Float64() * float64(d)))
			w.p = p
			w.pending = &simCall{job: w.job, grant: now, arrive: arrive, end: now.Add(d)}
			if !arrive.After(now) {
				w.pending.result, w.pending.answered = s.answer(w.pending), true
			}
			w.wake = time.Time{}
			if len(s.calls) > s.maxCalls {
				t.Fatalf("more than %d calls for %d jobs", s.maxCalls, s.jobs)
			}
		}
		// The next moment something happens.
		next := time.Time{}
		for _, w := range ws {
			for _, at := range []time.Time{w.wake, endOf(w.pending), arrivalOf(w.pending)} {
				if !at.IsZero() && at.After(now) && (next.IsZero() || at.Before(next)) {
					next = at
				}
			}
		}
		if next.IsZero() {
			if finished < s.jobs {
				t.Fatalf("stuck at %v with %d of %d jobs done", now.Sub(t0), finished, s.jobs)
			}
			break
		}
		now = next
	}
	s.elapsed = now.Sub(t0)
}

// answer is the service's answer to c: Failing for a poison row's.
func (s *simRun) answer(c *simCall) Result {
	if s.poison[c.job] {
		return Result{Kind: Failing, What: "HTTP 500 Internal Server Error"}
	}
	return s.svc.answer(c.arrive)
}

func arrivalOf(c *simCall) time.Time {
	if c == nil || c.answered {
		return time.Time{}
	}
	return c.arrive
}

func endOf(c *simCall) time.Time {
	if c == nil {
		return time.Time{}
	}
	return c.end
}

// busiestWindow is the most arrivals in any window (t-w, t].
func busiestWindow(calls []simCall, w time.Duration) int {
	at := make([]time.Time, len(calls))
	for i, c := range calls {
		at[i] = c.arrive
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	most, lo := 0, 0
	for hi := range at {
		for !at[lo].After(at[hi].Add(-w)) {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

func (s *simRun) count(k Kind) int {
	n := 0
	for _, c := range s.calls {
		if c.result.Kind == k {
			n++
		}
	}
	return n
}

func randomLatency(lo, hi time.Duration) func(*rand.Rand) time.Duration {
	return func(r *rand.Rand) time.Duration { return lo + time.Duration(r.Float64()*float64(hi-lo)) }
}

func fixedLatency(d time.Duration) func(*rand.Rand) time.Duration {
	return func(*rand.Rand) time.Duration { return d }
}

var contract = ratelimit.Limit{N: 100, Window: time.Minute}

// Whatever the latencies, the service never sees more than N calls in a
// window: each call counts from its grant until W after its end, and its
// arrival lies between.
func TestWindowNeverExceededWhateverTheLatency(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		s := &simRun{limit: contract, svc: &slidingWindow{n: 100, w: time.Minute}, workers: 16, jobs: 750,
			latency: randomLatency(5*time.Millisecond, 3*time.Second), seed: seed}
		s.run(t)
		if got := busiestWindow(s.calls, time.Minute); got > 100 {
			t.Fatalf("seed %d: %d calls arrived in one window of 60s, more than 100", seed, got)
		}
		if n := s.count(Throttled); n != 0 {
			t.Fatalf("seed %d: %d 429s from a service whose limit is the declared one", seed, n)
		}
		if len(s.calls) != 750 {
			t.Fatalf("seed %d: %d calls for 750 jobs", seed, len(s.calls))
		}
	}
}

// Fewer jobs than the window admits go at the speed of the workers.
func TestSmallRunGoesAtOnce(t *testing.T) {
	s := &simRun{limit: contract, svc: &slidingWindow{n: 100, w: time.Minute}, workers: 8, jobs: 40,
		latency: fixedLatency(200 * time.Millisecond)}
	s.run(t)
	if want := 5 * 200 * time.Millisecond; s.elapsed != want { // 40 jobs, 8 at a time
		t.Fatalf("40 jobs took %v, want %v (the workers' time: nothing waits for the window)", s.elapsed, want)
	}
}

// A long run goes at N per window: within 10% of the window's minimum.
func TestLongRunKeepsToTheWindow(t *testing.T) {
	for _, jobs := range []int{150, 420, 1000} {
		s := &simRun{limit: contract, svc: &slidingWindow{n: 100, w: time.Minute, retryAfter: true}, workers: 8, jobs: jobs,
			latency: randomLatency(20*time.Millisecond, 400*time.Millisecond), seed: uint64(jobs)}
		s.run(t)
		least := Minimum(contract, jobs)
		if ratio := s.elapsed.Seconds() / least.Seconds(); ratio > 1.10 || ratio < 1 {
			t.Errorf("%d jobs took %v, %.3fx the window's minimum %v; want at most 1.10x", jobs, s.elapsed, ratio, least)
		}
		if n := s.count(Throttled); n != 0 {
			t.Errorf("%d jobs: %d 429s", jobs, n)
		}
	}
}

// A service twenty times stricter than declared: every job ends answered
// (429s are asked again, not counted against the job), and the rate the
// pacer settles on is close below the service's.
func TestAdaptsToAStricterService(t *testing.T) {
	for _, retryAfter := range []bool{true, false} {
		s := &simRun{limit: contract, svc: &slidingWindow{n: 5, w: time.Minute, retryAfter: retryAfter}, workers: 4, jobs: 200,
			latency: randomLatency(50*time.Millisecond, 300*time.Millisecond), seed: 3}
		s.run(t)
		if s.gaveUp != nil {
			t.Fatalf("Retry-After %v: gave up: %v", retryAfter, s.gaveUp)
		}
		ok, throttled := s.count(Answered), s.count(Throttled)
		if ok != 200 {
			t.Fatalf("Retry-After %v: %d of 200 answered", retryAfter, ok)
		}
		// The service admits 5 a minute: 200 take at least 39 minutes.
		ideal := Minimum(ratelimit.Limit{N: 5, Window: time.Minute}, 200)
		if ratio := s.elapsed.Seconds() / ideal.Seconds(); ratio > 1.6 {
			t.Errorf("Retry-After %v: took %v, %.2fx the stricter service's minimum %v", retryAfter, s.elapsed, ratio, ideal)
		}
		if share := float64(throttled) / float64(len(s.calls)); share > 0.25 {
			t.Errorf("Retry-After %v: %d of %d calls throttled (%.0f%%): the pacer does not settle below the service's rate",
				retryAfter, throttled, len(s.calls), 100*share)
		}
		if r := s.core.stats.MinRate; r > 0.05 || r < 0.01 {
			t.Errorf("Retry-After %v: lowest rate %.3f of the declared, want near the service's 0.05", retryAfter, r)
		}
		t.Logf("Retry-After %v: %v for 200 jobs (minimum %v), %d 429s of %d calls, %d cuts", retryAfter, s.elapsed, ideal, throttled, len(s.calls), s.core.stats.Cuts)
	}
}

// A leaky bucket in front of the service (nginx's limit_req), told a
// window that matches its rate and one twice as fast: few 429s, close to
// the bucket's own time.
func TestAdaptsToALeakyBucket(t *testing.T) {
	for _, declared := range []int{50, 100} {
		s := &simRun{limit: ratelimit.Limit{N: declared, Window: time.Second}, svc: &leakyBucket{rate: 50, burst: 10},
			workers: 8, jobs: 420, latency: randomLatency(10*time.Millisecond, 40*time.Millisecond), seed: 5}
		s.run(t)
		ideal := time.Duration(420 / 50.0 * float64(time.Second))
		throttled := s.count(Throttled)
		share := float64(throttled) / float64(len(s.calls))
		ratio := s.elapsed.Seconds() / ideal.Seconds()
		t.Logf("declared %d/1s against 50/s: %v (%.2fx), %d 429s of %d calls (%.1f%%)", declared, s.elapsed, ratio, throttled, len(s.calls), 100*share)
		if share > 0.05 {
			t.Errorf("declared %d/1s: %.1f%% of calls throttled, want at most 5%%", declared, 100*share)
		}
		if ratio > 1.3 {
			t.Errorf("declared %d/1s: %.2fx the bucket's time, want at most 1.3x", declared, ratio)
		}
	}
}

// A 429's Retry-After holds every worker, not just the one that met it.
func TestRetryAfterHoldsEveryWorker(t *testing.T) {
	c := newCore(contract, Settings{})
	p1, _, _ := c.grant(t0, 1)
	p2, _, _ := c.grant(t0, 2)
	c.done(t0.Add(time.Second), p1, Result{Kind: Throttled, HasRetryAfter: true, RetryAfter: 30 * time.Second})
	for _, at := range []time.Duration{time.Second, 20 * time.Second, 30*time.Second + time.Second - time.Nanosecond} {
		if p, wake, _ := c.grant(t0.Add(at), 3); p != nil || !wake.Equal(t0.Add(31*time.Second)) {
			t.Fatalf("at %v: granted %v, wake %v; want held until %v", at, p != nil, wake.Sub(t0), 31*time.Second)
		}
	}
	c.done(t0.Add(2*time.Second), p2, Result{Kind: Answered})
	if p, _, _ := c.grant(t0.Add(31*time.Second), 3); p == nil {
		t.Fatal("not granted once the hold ended")
	}
}

// A Retry-After longer than --max-hold ends the pacing: no call starts,
// with the reason.
func TestALongRetryAfterGivesUp(t *testing.T) {
	c := newCore(contract, Settings{MaxHold: 10 * time.Minute})
	p, _, _ := c.grant(t0, 1)
	c.done(t0, p, Result{Kind: Throttled, HasRetryAfter: true, RetryAfter: time.Hour})
	_, _, err := c.grant(t0.Add(time.Hour*2), 2)
	want := "the service asked to wait 1h0m0s, more than --max-hold 10m0s"
	if err == nil || err.Error() != want {
		t.Fatalf("err %v, want %q", err, want)
	}
}

// 429s without a success between them for longer than --max-hold end the
// pacing too: a service that only throttles never answers.
func TestOnlyThrottledGivesUp(t *testing.T) {
	s := &simRun{limit: contract, set: Settings{MaxHold: 10 * time.Minute}, svc: always(Result{Kind: Throttled}), workers: 4, jobs: 10,
		latency: fixedLatency(100 * time.Millisecond)}
	s.run(t)
	var g *GaveUpError
	if s.gaveUp == nil || !asGaveUp(s.gaveUp, &g) {
		t.Fatalf("gave up %v, want a GaveUpError", s.gaveUp)
	}
	if s.elapsed < 10*time.Minute || s.elapsed > 12*time.Minute {
		t.Errorf("gave up after %v, want about --max-hold 10m", s.elapsed)
	}
	if len(s.calls) > 200 {
		t.Errorf("%d calls in 10 minutes of 429s: the rate was not cut", len(s.calls))
	}
}

func asGaveUp(err error, g **GaveUpError) bool {
	e, ok := err.(*GaveUpError)
	*g = e
	return ok
}

// An outage shorter than --max-outage: every job ends answered, no
// failure counts against a job, and while the service is down one probe
// at a time tests it at growing intervals.
func TestAnOutageIsRiddenOut(t *testing.T) {
	for _, kind := range []Kind{Unreachable, Failing} {
		from, to := t0.Add(2*time.Second), t0.Add(2*time.Minute)
		s := &simRun{limit: contract, svc: &downBetween{from: from, to: to, kind: kind, next: &slidingWindow{n: 100, w: time.Minute}},
			workers: 8, jobs: 300, latency: randomLatency(50*time.Millisecond, 200*time.Millisecond), seed: 9}
		s.run(t)
		if s.gaveUp != nil {
			t.Fatalf("%v: gave up: %v", kind, s.gaveUp)
		}
		// Once a failure has been seen, the calls that fail are probes, one
		// at a time (before it, the calls in flight all fail).
		failed, counted, concurrent := 0, 0, 0
		var seen, lastFailedEnd time.Time
		for _, c := range s.calls {
			if c.result.Kind != kind {
				continue
			}
			failed++
			if !c.outage {
				counted++
			}
			if seen.IsZero() {
				seen = c.end
			}
			if c.grant.After(seen) && c.grant.Before(lastFailedEnd) {
				concurrent++
			}
			if c.end.After(lastFailedEnd) {
				lastFailedEnd = c.end
			}
		}
		// Unreachable: every failure is the outage's. Failing: the first
		// (one job's) is the job's, the second (another job's) begins it.
		if want := map[Kind]int{Unreachable: 0, Failing: 1}[kind]; counted != want {
			t.Errorf("%v: %d failures counted against their jobs, want %d", kind, counted, want)
		}
		// 1+2+4+8+16+30+30+30 s: about 8 probes in 118 s, plus the calls
		// in flight when it began.
		if failed > 20 {
			t.Errorf("%v: %d calls failed during a 118 s outage, want few (probes)", kind, failed)
		}
		if concurrent > 0 {
			t.Errorf("%v: %d probes overlapped another failing call", kind, concurrent)
		}
		if s.core.stats.Outages != 1 {
			t.Errorf("%v: %d outages, want 1", kind, s.core.stats.Outages)
		}
	}
}

// One job whose calls keep failing with 500 is that job's failure, not an
// outage: the others are not held.
func TestOneJobsFailuresAreNotAnOutage(t *testing.T) {
	c := newCore(contract, Settings{})
	for i := 0; i < 5; i++ {
		p, _, _ := c.grant(t0, 7)
		if c.done(t0, p, Result{Kind: Failing}) {
			t.Fatalf("attempt %d of one job taken as an outage", i+1)
		}
	}
	if p, _, _ := c.grant(t0, 8); p == nil || c.down {
		t.Fatal("another job held after one job's failures")
	}
}

// An outage longer than --max-outage ends the pacing with the reason.
func TestALongOutageGivesUp(t *testing.T) {
	s := &simRun{limit: contract, set: Settings{MaxOutage: 15 * time.Minute}, svc: always(Result{Kind: Unreachable, What: "connection refused"}),
		workers: 4, jobs: 10, latency: fixedLatency(10 * time.Millisecond)}
	s.run(t)
	want := "the service has been failing for 15m"
	if s.gaveUp == nil || len(s.gaveUp.Error()) < len(want) || s.gaveUp.Error()[:len(want)] != want {
		t.Fatalf("gave up %v, want %q...", s.gaveUp, want)
	}
	if len(s.calls) > 50 {
		t.Errorf("%d calls spent on a service down for 15 minutes, want few", len(s.calls))
	}
	if got := s.gaveUp.Error(); !contains(got, "connection refused") || !contains(got, "--max-outage 15m0s") {
		t.Errorf("reason %q does not say what failed and the setting", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// The estimate follows the window model.
func TestEstimateIsTheWindowModel(t *testing.T) {
	for _, tc := range []struct {
		calls int
		want  time.Duration
	}{{0, 0}, {1, 0}, {100, 0}, {101, time.Minute}, {200, time.Minute}, {201, 2 * time.Minute}} {
		if got := Minimum(contract, tc.calls); got != tc.want {
			t.Errorf("Minimum(%d) = %v, want %v", tc.calls, got, tc.want)
		}
	}
}

// One row the service always fails on (500), with nothing but one worker:
// an outage is suspected once another job's call fails too, but the row's
// own repeated probes count against it, so it fails and the run goes on.
func TestARowTheServiceFailsOnIsNotAnEndlessOutage(t *testing.T) {
	for _, workers := range []int{1, 4} {
		s := &simRun{limit: contract, svc: &slidingWindow{n: 100, w: time.Minute}, workers: workers, jobs: 20,
			latency: fixedLatency(100 * time.Millisecond), maxAttempts: 3}
		s.poison = map[int]bool{3: true, 4: true} // two rows in a row: what an outage looks like at first
		s.run(t)
		if s.gaveUp != nil {
			t.Fatalf("%d workers: gave up: %v", workers, s.gaveUp)
		}
		for job := 3; job <= 4; job++ {
			if s.counted[job] != 3 {
				t.Errorf("%d workers: row %d has %d failures counted, want 3 (--max-attempts)", workers, job, s.counted[job])
			}
		}
		if ok := s.count(Answered); ok != 18 {
			t.Errorf("%d workers: %d rows answered, want the other 18", workers, ok)
		}
		if s.elapsed > 2*time.Minute {
			t.Errorf("%d workers: took %v", workers, s.elapsed)
		}
	}
}
