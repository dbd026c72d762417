//go:build !unix

package iostreams

import "context"

// watchResize: Windows sends no signal on a resize; the progress display
// asks the width at every redraw instead (twice a second).
func watchResize(context.Context) <-chan struct{} { return nil }
