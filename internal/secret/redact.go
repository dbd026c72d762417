package secret

import (
	"sort"
	"strings"
	"sync"
)

// Redactor removes known secret values from text, in every form a server
// may echo them (Forms: raw, JSON- and HTML-escaped,
// percent-encoded, base64). It is the last line of defence: secrets are
// kept out of results by type, and this catches a service that echoes one
// back in an error message.
//
// The forms are indexed by their first minSecret bytes, so a text costs a
// map lookup per byte whatever the number of secrets (a run may hold the
// passwords of thousands of new users), and memory stays proportional to
// the forms themselves.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	index   map[string][]string // forms by their first minSecret bytes, longest first; nil: to build
}

// minSecret is the shortest value registered: replacing shorter ones would
// mangle ordinary text (the simulator's default password "admin" is also
// its administrator's user ID), and new users' passwords are 8 or more by
// the contract. Every form of a value is at least as long.
const minSecret = 8

// Add registers secret values; values shorter than 8 bytes are not.
func (r *Redactor) Add(values ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) >= minSecret && !r.secrets[v] {
			if r.secrets == nil {
				r.secrets = map[string]bool{}
			}
			r.secrets[v] = true
			r.index = nil
		}
	}
}

// Redact replaces every form of every registered secret in s with
// [redacted], leftmost first, the longest form where several start at one
// place.
func (r *Redactor) Redact(s string) string {
	if r == nil || len(s) < minSecret {
		return s
	}
	r.mu.RLock()
	idx := r.index
	r.mu.RUnlock()
	if idx == nil {
		idx = r.build()
	}
	if len(idx) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+minSecret <= len(s); {
		n := 0
		for _, f := range idx[s[i:i+minSecret]] {
			if strings.HasPrefix(s[i:], f) {
				n = len(f)
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(Redacted)
		i += n
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func (r *Redactor) build() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.index != nil {
		return r.index
	}
	idx := map[string][]string{}
	for v := range r.secrets {
		for _, f := range Forms(v) {
			if len(f) >= minSecret {
				idx[f[:minSecret]] = append(idx[f[:minSecret]], f)
			}
		}
	}
	for k, forms := range idx {
		sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
		idx[k] = forms
	}
	r.index = idx
	return idx
}
