package main

import (
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
)

// newPasswords gives the jobs that ask for one a generated password; the
// file at path is written as users are created (see executor.Passwords).
func newPasswords(path string, jobs []*manifest.Job) (*executor.Passwords, error) {
	p, err := executor.NewPasswords(path)
	if err != nil {
		return nil, err
	}
	return p, p.Generate(jobs)
}
