package exit

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/firmtools/bulk/internal/imanage"
)

func TestOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, OK},
		{"plain", errors.New("x"), JobsFailed},
		{"coded", With(Unreachable, errors.New("x")), Unreachable},
		{"coded and wrapped", fmt.Errorf("a: %w", With(Invalid, ErrSilent)), Invalid},
		{"coded ok is still an error", With(OK, errors.New("x")), JobsFailed},
		{"the code outside wins", With(JobsFailed, Usage(errors.New("x"))), JobsFailed},
		{"usage", Usage(errors.New("x")), Invalid},
		{"cancelled", fmt.Errorf("a: %w", context.Canceled), Interrupted},
		{"sign-in", fmt.Errorf("a: %w", imanage.ErrSignIn), Unreachable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Of(tc.err); got != tc.want {
				t.Fatalf("Of(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
