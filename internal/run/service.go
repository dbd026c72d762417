package run

import (
	"strings"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/imanage"
)

// service names the service c signs in to, as a journal records it,
// without connecting: the normalised base URL (default port left out) and
// the user, or the embedded simulator.
func service(c connect.Options) (executor.Service, error) {
	if c.Sim {
		if c.URL != "" {
			return executor.Service{}, exit.Usage(connect.ErrTwoServices)
		}
		return executor.Service{Sim: true}, nil
	}
	if c.URL == "" {
		return executor.Service{}, exit.Usage(connect.ErrNoService)
	}
	u, err := imanage.NormalizeBaseURL(c.URL)
	if err != nil {
		return executor.Service{}, exit.Usage(err)
	}
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		u.Host = strings.TrimSuffix(u.Host, ":"+p)
	}
	if c.User == "" && c.Token.IsZero() {
		return executor.Service{}, exit.Usage(connect.ErrNoUser)
	}
	return executor.Service{URL: u.String(), User: c.User}, nil
}
