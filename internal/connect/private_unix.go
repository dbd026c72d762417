//go:build !windows

package connect

import (
	"fmt"
	"os"
)

// private refuses a file that group or others may read or write.
func private(path string, st os.FileInfo) error {
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s can be read by other users (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	return nil
}
