// Package config reads the connection profiles: a YAML file (BULK_CONFIG,
// else bulk/config.yaml in the user's config folder) naming, for each
// environment a firm keeps (test and production, a US and an EU host),
// which service to talk to, as whom, and how to sign in.
//
//	default: prod-us
//	profiles:
//	  prod-us:
//	    url: cloudimanage.com
//	    user: BULKADMIN
//	    client_id: 0d9c...
//	    rate_limit: 100/60s
//	    call_timeout: 90s
//	  test-eu:
//	    url: eu.cloudimanage.com
//	    user: jdoe
//	    client_id: 0d9c...
//	    sign_in: browser
//
// No secret is ever kept in it: a key that looks like one (password,
// client_secret, token...) is refused, as is any key it does not know.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firmtools/bulk/internal/names"
)

// The ways to sign in a profile may name.
const (
	SignInPassword = "password" // OAuth2's password grant (or a refresh token kept by bulk login)
	SignInBrowser  = "browser"  // the browser, for single sign-on (bulk login --browser)
)

// Profile is one environment.
type Profile struct {
	URL       string `yaml:"url"`
	User      string `yaml:"user"`
	ClientID  string `yaml:"client_id"`
	TokenURL  string `yaml:"token_url"`
	CAFile    string `yaml:"ca_file"`
	RateLimit string `yaml:"rate_limit"`
	// CallTimeout bounds one call, answer included, as --call-timeout
	// (a Go duration: 90s, 2m); "" is its default.
	CallTimeout string `yaml:"call_timeout"`
	SignIn      string `yaml:"sign_in"`
}

// File is the config file, read.
type File struct {
	Path     string             `yaml:"-"`
	Default  string             `yaml:"default"`
	Profiles map[string]Profile `yaml:"profiles"`
}

// maxFileBytes: a config file is a few profiles.
const maxFileBytes = 1 << 20

// Env is the environment variable that names the config file.
const Env = "BULK_CONFIG"

// Path is where the config file is: BULK_CONFIG, else bulk/config.yaml in
// the user's config folder. "" when there is no config folder either.
func Path(getenv func(string) string, goos string) string {
	if p := getenv(Env); p != "" {
		return p
	}
	dir := configDir(getenv, goos)
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "bulk", "config.yaml")
}

// Load reads the config file at path. A file that does not exist is an
// empty one, unless it was named by BULK_CONFIG (named says so).
func Load(path string, named bool) (*File, error) {
	f := &File{Path: path}
	if path == "" {
		return f, nil
	}
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if err := f.parse(b); err != nil {
		return nil, err
	}
	return f, nil
}

func readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a config file", path, maxFileBytes)
	}
	return b, nil
}

// parse checks the keys (no secret, none unknown), then decodes strictly.
func (f *File) parse(b []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file
	}
	if err := checkKeys(f.Path, doc.Content[0]); err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if f.Default != "" {
		if _, ok := f.Profiles[f.Default]; !ok {
			return fmt.Errorf("%s: default: no profile is named %q%s", f.Path, f.Default, names.DidYouMean(f.Default, f.Names()))
		}
	}
	for _, name := range f.Names() {
		if err := f.Profiles[name].check(); err != nil {
			return fmt.Errorf("%s: profiles: %s: %w", f.Path, name, err)
		}
	}
	return nil
}

func (p Profile) check() error {
	if p.CallTimeout != "" {
		if _, err := ParseCallTimeout(p.CallTimeout); err != nil {
			return fmt.Errorf("call_timeout %q: %w", p.CallTimeout, err)
		}
	}
	switch p.SignIn {
	case "", SignInPassword, SignInBrowser:
		return nil
	}
	return fmt.Errorf("sign_in %q: want %s or %s", p.SignIn, SignInPassword, SignInBrowser)
}

// The bounds of a call timeout. The transport waits at most two minutes
// for an answer's headers (imanage.NewHTTPClient), so a longer timeout
// would not be the one that holds.
const (
	DefaultCallTimeout = 60 * time.Second
	MaxCallTimeout     = 2 * time.Minute
)

// ParseCallTimeout reads a call timeout (--call-timeout, a profile's
// call_timeout): a Go duration above 0 and at most MaxCallTimeout.
func ParseCallTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 || d > MaxCallTimeout {
		return 0, fmt.Errorf("want a duration above 0 and at most %s, like 30s or 90s", fmtDuration(MaxCallTimeout))
	}
	return d, nil
}

// fmtDuration is d as a person writes it: 2m, not 2m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	s = strings.Replace(s, "m0s", "m", 1)
	return strings.Replace(s, "h0m", "h", 1)
}

// Names are the profiles' names, sorted.
func (f *File) Names() []string {
	out := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Profile is the profile named name, else the default one. "" and no
// default is no profile (ok false, no error).
func (f *File) Profile(name string) (Profile, string, error) {
	if name == "" {
		name = f.Default
	}
	if name == "" {
		return Profile{}, "", nil
	}
	p, ok := f.Profiles[name]
	if !ok {
		where := f.Path
		if where == "" {
			where = "the config file (there is no config folder: set " + Env + ")"
		}
		return Profile{}, "", fmt.Errorf("no profile %q in %s%s", name, where, names.DidYouMean(name, f.Names()))
	}
	return p, name, nil
}

// configDir is the user's config folder, as os.UserConfigDir finds it,
// from the environment given.
func configDir(getenv func(string) string, goos string) string {
	switch goos {
	case "windows":
		return getenv("APPDATA")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
		return ""
	}
	if d := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

// StateDir is the user's state folder, where bulk keeps what it must
// remember between runs and is not configuration (a sign-in when there is
// no credential store): %LOCALAPPDATA% on Windows, else XDG_STATE_HOME or
// ~/.local/state.
func StateDir(getenv func(string) string, goos string) string {
	if goos == "windows" {
		return getenv("LOCALAPPDATA")
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state")
	}
	return ""
}

// lineOf is "file:line" of n.
func lineOf(path string, n *yaml.Node) string { return fmt.Sprintf("%s:%d", path, n.Line) }

// quoteList quotes each of keys, for messages.
func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}
