package executor

import (
	"sort"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
)

// unit is what one request serves: one job, or several jobs that one call
// answers (identical reads; My Matters shortcuts for the same user and
// category).
type unit struct {
	id        int
	jobs      []*manifest.Job
	batch     *actions.Batcher // set when jobs are merged through a batcher
	deps      []int            // job indexes this unit waits for (outside the unit)
	maybeDone bool             // a previous run started one of its jobs and never saw it end
}

func (u *unit) spec() *actions.Spec { return u.jobs[0].Action }

// plan groups the jobs to run into units, in job order. Only jobs without
// references and with the same dependencies are merged, so that merging
// never changes when a job may start.
func plan(jobs []*manifest.Job, maybeDone map[int]bool) []*unit {
	var units []*unit
	merged := map[string]*unit{}
	size := map[*unit]int{}
	for _, j := range jobs {
		key, b := mergeKey(j)
		if key != "" {
			if u, ok := merged[key]; ok {
				if b == nil || size[u]+b.Size(j.Values) <= b.Max {
					u.jobs = append(u.jobs, j)
					u.maybeDone = u.maybeDone || maybeDone[j.Index]
					if b != nil {
						size[u] += b.Size(j.Values)
					}
					continue
				}
			}
		}
		u := &unit{id: len(units), jobs: []*manifest.Job{j}, batch: b, maybeDone: maybeDone[j.Index]}
		units = append(units, u)
		if key != "" {
			merged[key] = u
			if b != nil {
				size[u] = b.Size(j.Values)
			}
		}
	}
	for _, u := range units {
		if len(u.jobs) == 1 {
			u.batch = nil
		}
		in := map[int]bool{}
		for _, j := range u.jobs {
			in[j.Index] = true
		}
		seen := map[int]bool{}
		for _, j := range u.jobs {
			for _, d := range j.DependsOn {
				if !in[d] && !seen[d] {
					seen[d] = true
					u.deps = append(u.deps, d)
				}
			}
		}
		sort.Ints(u.deps)
	}
	return units
}

// mergeKey says which jobs may share a call: reads with the same values
// (the same lookup is made once per run) and batchable writes with the same
// batch key. "" means the job gets a call of its own.
func mergeKey(j *manifest.Job) (string, *actions.Batcher) {
	for _, v := range j.Values {
		if actions.HasRef(v) {
			return "", nil
		}
	}
	deps := append([]int(nil), j.DependsOn...)
	sort.Ints(deps)
	var ds []string
	for _, d := range deps {
		ds = append(ds, strconv.Itoa(d))
	}
	depKey := strings.Join(ds, ",")
	if j.Action.Read {
		return "read\x00" + j.Action.Name + "\x00" + depKey + "\x00" + valuesKey(j.Values), nil
	}
	if b := j.Action.Batch; b != nil {
		return "batch\x00" + j.Action.Name + "\x00" + depKey + "\x00" + b.Key(j.Values), b
	}
	return "", nil
}

func valuesKey(v actions.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v[k])
		b.WriteByte(0)
	}
	return b.String()
}
