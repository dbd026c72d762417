package check

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Print writes the report, one line per step, then what to fix.
func (r *Report) Print(w io.Writer) {
	line := func(what, format string, args ...any) {
		fmt.Fprintf(w, "%-11s %s\n", what, fmt.Sprintf(format, args...))
	}
	service := r.Service
	if r.Profile != "" {
		service += " (profile " + r.Profile + ")"
	}
	line("Service", "%s", service)
	switch {
	case !r.Reached:
		line("Reached", "NO")
	default:
		line("Reached", "yes; TLS: %s", r.TLS)
	}
	if r.SignedIn {
		line("Signed in", "as %s %s, in %s", orYou(r.User), r.How, ms(r.SignInTime))
	} else if r.Reached {
		line("Signed in", "NO")
	}
	if r.SignedIn {
		if r.Libraries != nil {
			var names []string
			for _, l := range r.Libraries {
				n := l.ID
				if l.IsHidden {
					n += " (hidden)"
				}
				names = append(names, n)
			}
			line("Libraries", "%d: %s, in %s", len(r.Libraries), strings.Join(names, ", "), ms(r.LibTime))
		} else {
			line("Libraries", "NOT READ")
		}
		verdict := map[Admin]string{AdminYes: "yes", AdminNo: "NO", AdminUnknown: "UNKNOWN"}[r.Admin]
		line("Admin", "%s, %s (in %s)", verdict, r.AdminWhy, ms(r.AdminTime))
		line("Calls", "%d, and the sign-in", r.Calls)
	}
	if r.OK() {
		fmt.Fprintln(w, "All is well.")
		return
	}
	fmt.Fprintln(w, "To fix:")
	for _, f := range r.Fix {
		fmt.Fprintf(w, "  - %s\n", f)
	}
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
