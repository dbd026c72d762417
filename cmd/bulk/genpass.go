package main

import (
	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
)

// withGeneratedPasswords lets "Create a password" rows leave the password
// empty: --generate-passwords fills it in (bulk run), or will (bulk
// validate, which writes nothing).
func withGeneratedPasswords(opts manifest.Options) manifest.Options {
	set := map[string]string{actions.GeneratePasswordField: "true"}
	for k, v := range opts.Set {
		set[k] = v
	}
	opts.Set = set
	return opts
}

// newPasswords gives the jobs that ask for one a generated password; the
// file at path is written as users are created (see executor.Passwords).
func newPasswords(path string, jobs []*manifest.Job) (*executor.Passwords, error) {
	p, err := executor.NewPasswords(path)
	if err != nil {
		return nil, err
	}
	return p, p.Generate(jobs)
}
