package actions

import "github.com/firmtools/bulk/internal/imanage"

// The service client must be usable wherever an action needs a Client (a
// test's assertion, so that the package itself links no HTTP client).
var _ Client = (*imanage.Client)(nil)
