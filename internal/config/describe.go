package config

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Describe writes the profiles, without secrets (the file holds none):
// the file, the default, and per profile its settings and what kept says
// of its sign-in (where 'bulk login' kept it, or "no").
func (f *File) Describe(w io.Writer, kept func(Profile) string) error {
	if f.Path == "" {
		fmt.Fprintf(w, "No config folder: set %s to a config file's path.\n", Env)
		return nil
	}
	if len(f.Profiles) == 0 {
		fmt.Fprintf(w, "No profiles: %s does not exist or names none. A profile is optional; see README, \"Real tenants\".\n", f.Path)
		return nil
	}
	fmt.Fprintf(w, "Config file: %s\n", f.Path)
	if f.Default != "" {
		fmt.Fprintf(w, "Default profile: %s\n", f.Default)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tURL\tUSER\tCLIENT ID\tSIGN-IN\tRATE LIMIT\tCALL TIMEOUT\tCA FILE\tSIGN-IN KEPT")
	for _, name := range f.Names() {
		p := f.Profiles[name]
		if name == f.Default {
			name += " (default)"
		}
		signIn := p.SignIn
		if signIn == "" {
			signIn = SignInPassword
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, dash(p.URL), dash(p.User), dash(p.ClientID), signIn,
			dash(p.RateLimit), dash(p.CallTimeout), dash(p.CAFile), kept(p))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
