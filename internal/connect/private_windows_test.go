//go:build windows

package connect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// setDACL gives path a protected DACL (nothing inherited) granting full
// control to each of sids.
func setDACL(t *testing.T, path string, sids ...*windows.SID) {
	t.Helper()
	var entries []windows.EXPLICIT_ACCESS
	for _, sid := range sids {
		entries = append(entries, windows.EXPLICIT_ACCESS{
			AccessPermissions: windows.GENERIC_ALL,
			AccessMode:        windows.GRANT_ACCESS,
			Inheritance:       windows.NO_INHERITANCE,
			Trustee: windows.TRUSTEE{TrusteeForm: windows.TRUSTEE_IS_SID, TrusteeType: windows.TRUSTEE_IS_UNKNOWN,
				TrusteeValue: windows.TrusteeValueFromSID(sid)},
		})
	}
	acl, err := windows.ACLFromEntries(entries, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		t.Fatal(err)
	}
}

func TestThePasswordFileACLOnWindows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.txt")
	// As Notepad saves it: UTF-16 LE with its byte-order mark, CRLF.
	if err := os.WriteFile(path, []byte{0xFF, 0xFE, 'p', 0, 'w', 0, '-', 0, '1', 0, '\r', 0, '\n', 0}, 0o600); err != nil {
		t.Fatal(err)
	}
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me := tu.User.Sid
	admins, _ := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	system, _ := windows.CreateWellKnownSid(windows.WinLocalSystemSid)
	everyone, _ := windows.CreateWellKnownSid(windows.WinWorldSid)
	users, _ := windows.CreateWellKnownSid(windows.WinBuiltinUsersSid)

	setDACL(t, path, me, admins, system)
	pw, err := readSecretFile(path)
	if err != nil || pw.Reveal() != "pw-1" {
		t.Fatalf("owner, Administrators and SYSTEM only: %q %v", pw.Reveal(), err)
	}
	for _, other := range []*windows.SID{everyone, users} {
		setDACL(t, path, me, other)
		_, err := readSecretFile(path)
		if err == nil || !strings.Contains(err.Error(), "can be read by") || !strings.Contains(err.Error(), "icacls") {
			t.Fatalf("%s may read it: %v", account(other), err)
		}
		if !strings.Contains(err.Error(), account(other)) {
			t.Fatalf("the message does not name %s: %v", account(other), err)
		}
	}
}
