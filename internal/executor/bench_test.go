package executor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
)

// BenchmarkRunOverhead measures what the executor itself costs per job
// (planning, scheduling, dependency checks, outcome bookkeeping) with a
// client that answers at once and a pacer that never waits: 10,000 tabs,
// each tenth one waiting for a user created earlier.
func BenchmarkRunOverhead(b *testing.B) {
	t := &testing.T{}
	var jobs []*manifest.Job
	for i := 0; i < 10000; i++ {
		if i%10 == 0 {
			jobs = append(jobs, user(t, i, fmt.Sprintf("U%d", i)))
			continue
		}
		j := tab(t, i, fmt.Sprintf("T%d", i))
		j.DependsOn = []int{i - i%10}
		jobs = append(jobs, j)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		ended := 0
		err := Run(context.Background(), jobs, Options{
			Client:      newFake(),
			Pacer:       pacer.New(ratelimit.Limit{N: 1 << 30, Window: time.Second}, nil, pacer.Settings{}),
			Concurrency: 8,
			OnEnd:       func(Outcome) error { ended++; return nil },
		})
		if err != nil || ended != len(jobs) {
			b.Fatalf("%v, %d ended", err, ended)
		}
	}
	b.ReportMetric(float64(len(jobs)*b.N)/b.Elapsed().Seconds(), "jobs/s")
}
