package connect

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/firmtools/bulk/internal/secret"
)

// maxSecretFile: a password file holds one line.
const maxSecretFile = 64 * 1024

// readSecretFile reads a one-line secret from a file that only its owner
// can read (on Windows: whose ACL lets no one else read it but
// Administrators and SYSTEM). A file as Notepad saves it works: a
// byte-order mark, UTF-16, a CRLF at the end.
func readSecretFile(path string) (secret.Secret, error) {
	st, err := os.Stat(path)
	if err != nil {
		return secret.Secret{}, err
	}
	if !st.Mode().IsRegular() {
		return secret.Secret{}, fmt.Errorf("%s is not a regular file", path)
	}
	if err := private(path, st); err != nil {
		return secret.Secret{}, err
	}
	if st.Size() > maxSecretFile {
		return secret.Secret{}, fmt.Errorf("%s is too large to be a password file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return secret.Secret{}, err
	}
	s, err := secretText(b)
	if err != nil {
		return secret.Secret{}, fmt.Errorf("%s: %w", path, err)
	}
	if s == "" {
		return secret.Secret{}, fmt.Errorf("%s is empty", path)
	}
	return secret.New(s), nil
}

// secretText is the text of a password file: UTF-8, or UTF-16 with its
// byte-order mark, a UTF-8 byte-order mark dropped, line ends at the end
// trimmed. Anything else (a legacy code page) is refused rather than
// guessed: a wrong guess is a wrong password.
func secretText(b []byte) (string, error) {
	dec := unicode.BOMOverride(unicode.UTF8.NewDecoder())
	out, _, err := transform.Bytes(dec, b)
	if err != nil {
		return "", fmt.Errorf("reading the text: %w", err)
	}
	if !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return "", errors.New("is not UTF-8 or UTF-16 text: save it as UTF-8 (Notepad: Save as, Encoding UTF-8)")
	}
	return strings.TrimRight(string(out), "\r\n"), nil
}
