package actions

import "github.com/firmtools/bulk/internal/imanage"

// The service client must be usable wherever an action needs a Client.
var _ Client = (*imanage.Client)(nil)
