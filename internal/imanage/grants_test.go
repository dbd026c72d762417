package imanage_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

func TestRefreshGrantRotates(t *testing.T) {
	env := startSim(t, sim.Options{ClientIDs: []string{"bulk-test"}})
	c := env.client(t, sim.AdminUser)
	first, err := c.PasswordGrant(t.Context())
	if err != nil || first.Refresh.IsZero() || first.ExpiresIn <= 0 {
		t.Fatalf("password grant: %+v %v", first, err)
	}
	second, err := c.RefreshGrant(t.Context(), first.Refresh)
	if err != nil || second.Refresh.IsZero() || second.Refresh.Reveal() == first.Refresh.Reveal() {
		t.Fatalf("refresh: %v", err)
	}
	_, err = c.RefreshGrant(t.Context(), first.Refresh)
	e := wantAPIError(t, err, 400, imanage.CodeInvalidGrant)
	if !errors.Is(err, imanage.ErrSignIn) || strings.Contains(err.Error(), first.Refresh.Reveal()) {
		t.Fatalf("a reused refresh token: %v (%+v)", err, e)
	}
}

func TestAnUnknownClientIDIsToldApart(t *testing.T) {
	env := startSim(t, sim.Options{ClientIDs: []string{"registered"}})
	err := env.client(t, sim.AdminUser).SignIn(t.Context())
	wantAPIError(t, err, 401, imanage.CodeInvalidClient)
}

// RFC 6749's error answer, which a real token endpoint may give, comes back
// with its code in the envelope's spelling.
func TestRFC6749TokenErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"Client authentication failed"}`))
	}))
	t.Cleanup(ts.Close)
	c, err := imanage.New(imanage.Config{BaseURL: ts.URL, Username: "u", Password: secret.New("p"), ClientID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	e := wantAPIError(t, c.SignIn(t.Context()), 401, imanage.CodeInvalidClient)
	if e.Message != "Client authentication failed" {
		t.Fatalf("message %q", e.Message)
	}
}

// Config.SignIn signs in instead of the password grant, at first and after
// a 401, once for all the calls that met it.
func TestConfigSignInIsUsedAfterA401(t *testing.T) {
	env := startSim(t, sim.Options{})
	var calls atomic.Int32
	other := env.client(t, sim.AdminUser)
	c, err := imanage.New(imanage.Config{BaseURL: env.url, ClientID: "bulk-test", Username: "admin",
		SignIn: func(ctx context.Context, c *imanage.Client) (secret.Secret, error) {
			calls.Add(1)
			// The stand-in for a stored refresh token: a password grant
			// made by another client.
			tok, err := other.PasswordGrant(ctx)
			return tok.Access, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetLibraries(t.Context(), true, false); err != nil {
		t.Fatal(err)
	}
	env.sim.ExpireTokens()
	if _, err := c.GetLibraries(t.Context(), true, false); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("SignIn called %d times, want 2", n)
	}
}
