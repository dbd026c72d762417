package main

import (
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"math/big"
	"os"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/secret"
)

const (
	genPasswordLen = 20
	lowerChars     = "abcdefghijkmnopqrstuvwxyz"
	upperChars     = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	digitChars     = "23456789"
	symbolChars    = "!#%*+-=?@^_"
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

// needsGeneratedPassword reports a create-user job that asks for "Create a
// password" and has none in the manifest.
func needsGeneratedPassword(j *manifest.Job) bool {
	return j.Action.Name == "create-user" &&
		j.Values["password_create_method"] == "Create a password" &&
		j.Secrets["password"].IsZero()
}

// generatePasswords gives every job that needs one a strong random password
// and writes "user id, password" lines to path, a new file only its owner
// can read. It refuses to overwrite a file: a second run must not replace
// the passwords handed out by the first.
func generatePasswords(path string, jobs []*manifest.Job) error {
	var need []*manifest.Job
	for _, j := range jobs {
		if needsGeneratedPassword(j) {
			need = append(need, j)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("--generate-passwords: %s already exists; it may hold passwords from an earlier run: move it away or name a new file", path)
	}
	if err != nil {
		return fmt.Errorf("--generate-passwords: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"user_id", "password"})
	for _, j := range need {
		pw, err := randomPassword(genPasswordLen)
		if err != nil {
			f.Close()
			return fmt.Errorf("--generate-passwords: %w", err)
		}
		if j.Secrets == nil {
			j.Secrets = map[string]secret.Secret{}
		}
		j.Secrets["password"] = secret.New(pw)
		_ = w.Write([]string{j.Values["id"], pw})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("--generate-passwords: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("--generate-passwords: writing %s: %w", path, err)
	}
	return f.Close()
}

// randomPassword draws n characters from crypto/rand with at least one of
// each class, so it meets the usual complexity rules.
func randomPassword(n int) (string, error) {
	classes := []string{lowerChars, upperChars, digitChars, symbolChars}
	all := lowerChars + upperChars + digitChars + symbolChars
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return "", err
		}
		out[i] = set[k.Int64()]
	}
	// Shuffle so the class characters are not always first.
	for i := len(out) - 1; i > 0; i-- {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[k.Int64()] = out[k.Int64()], out[i]
	}
	return string(out), nil
}
