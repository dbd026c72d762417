package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/firmtools/bulk/internal/names"
)

// secretWords make a key look like a secret's. token_url is the one key
// with one of them that is not.
var secretWords = []string{"password", "passwd", "pwd", "secret", "token", "credential", "apikey", "api_key", "private_key", "pin"}

// notSecret are known keys that hold a secret word and are no secret.
var notSecret = map[string]bool{"token_url": true}

// looksSecret reports whether a key names what looks like a secret.
func looksSecret(key string) bool {
	k := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	if notSecret[k] {
		return false
	}
	for _, w := range secretWords {
		if w == "pin" {
			if k == w {
				return true
			}
			continue
		}
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// keysOf are the YAML keys of a struct's fields.
func keysOf(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			out = append(out, k)
		}
	}
	return out
}

var (
	fileKeys    = keysOf(File{})
	profileKeys = keysOf(Profile{})
)

// checkKeys refuses, naming the file, line and key: a key that looks like
// a secret, anywhere; a key the file's shape does not have, with the
// nearest one it does.
func checkKeys(path string, root *yaml.Node) error {
	if err := noSecretKeys(path, root, true); err != nil {
		return err
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: want a mapping with the keys %s", lineOf(path, root), quoteList(fileKeys))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if err := known(path, k, fileKeys, ""); err != nil {
			return err
		}
		if k.Value != "profiles" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return fmt.Errorf("%s: profiles: want a mapping of profile names to profiles", lineOf(path, v))
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			name, p := v.Content[j], v.Content[j+1]
			if p.Kind != yaml.MappingNode {
				return fmt.Errorf("%s: profiles: %s: want a mapping with the keys %s", lineOf(path, p), name.Value, quoteList(profileKeys))
			}
			for n := 0; n+1 < len(p.Content); n += 2 {
				if err := known(path, p.Content[n], profileKeys, "profiles: "+name.Value+": "); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func known(path string, k *yaml.Node, keys []string, where string) error {
	for _, want := range keys {
		if k.Value == want {
			return nil
		}
	}
	return fmt.Errorf("%s: %sunknown key %q%s (the keys are %s)", lineOf(path, k), where, k.Value, names.DidYouMean(k.Value, keys), quoteList(keys))
}

// noSecretKeys walks every mapping for a key that looks like a secret.
// Profile names (the keys of the top level's profiles) are names, not
// keys, and are not held to it.
func noSecretKeys(path string, n *yaml.Node, top bool) error {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if looksSecret(k.Value) {
			return fmt.Errorf("%s: key %q looks like a secret, and no secret is kept in the config file: "+
				"give the password with IMANAGE_PASSWORD, --password-file or the prompt, the client secret with "+
				"--client-secret-file or IMANAGE_CLIENT_SECRET, or sign in once with 'bulk login', which keeps "+
				"its token in the credential store", lineOf(path, k), k.Value)
		}
		if err := noSecretKeysBelow(path, v, top && k.Value == "profiles"); err != nil {
			return err
		}
	}
	if n.Kind != yaml.MappingNode {
		return noSecretKeysBelow(path, n, false)
	}
	return nil
}

// noSecretKeysBelow checks what n holds; the keys of n itself are names
// when keysAreNames is set.
func noSecretKeysBelow(path string, n *yaml.Node, keysAreNames bool) error {
	if keysAreNames && n.Kind == yaml.MappingNode {
		for i := 1; i < len(n.Content); i += 2 {
			if err := noSecretKeys(path, n.Content[i], false); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Kind == yaml.MappingNode {
		return noSecretKeys(path, n, false)
	}
	for _, c := range n.Content {
		if err := noSecretKeys(path, c, false); err != nil {
			return err
		}
	}
	return nil
}
