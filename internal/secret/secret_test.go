package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const pw = "hunter2-very-secret"
	s := New(pw)
	type wrapper struct {
		Password Secret `json:"password"`
	}
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", s),
		"%+v": fmt.Sprintf("%+v", wrapper{s}),
		"%#v": fmt.Sprintf("%#v", wrapper{s}),
		"%s":  fmt.Sprintf("%s", s),
		"%q":  fmt.Sprintf("%q", s),
		"%x":  fmt.Sprintf("%x", s),
		"err": fmt.Errorf("signing in with %v", s).Error(),
	}
	b, err := json.Marshal(wrapper{s})
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(b)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "password", s, "w", wrapper{s})
	outputs["slog"] = buf.String()
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(out, pw) {
				t.Fatalf("secret leaked: %s", out)
			}
			if !strings.Contains(out, Redacted) {
				t.Fatalf("expected redaction marker in %q", out)
			}
		})
	}
	if s.Reveal() != pw {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
}
