//go:build windows

package connect

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows reports every file as mode 0666, so the mode says nothing; the
// file's access control list does. A password file passes when its DACL
// lets no one read it (or change who may) but its owner, Administrators and
// SYSTEM.

// exposing are the rights that read the file, or let their holder give
// themselves the right to.
const exposing = windows.ACCESS_MASK(0x0001 /* FILE_READ_DATA */ | windows.GENERIC_READ | windows.GENERIC_ALL |
	windows.WRITE_DAC | windows.WRITE_OWNER | windows.MAXIMUM_ALLOWED)

// private refuses a file whose ACL lets anyone else read it.
func private(path string, _ os.FileInfo) error {
	others, owner, err := othersWhoMayRead(path)
	if err != nil {
		return fmt.Errorf("%s: reading its access control list: %w", path, err)
	}
	if len(others) == 0 {
		return nil
	}
	return fmt.Errorf("%s can be read by %s, not only by its owner: run icacls \"%s\" /inheritance:r /grant:r \"%s:F\"",
		path, strings.Join(others, ", "), path, owner)
}

// othersWhoMayRead names the accounts the file's DACL lets read it besides
// its owner, Administrators and SYSTEM, and names the owner.
func othersWhoMayRead(path string) ([]string, string, error) {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return nil, "", err
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return nil, "", err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return nil, "", err
	}
	if dacl == nil {
		// A null DACL grants everyone everything.
		return []string{"Everyone (the file has no access control list)"}, account(owner), nil
	}
	var others []string
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return nil, "", err
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 ||
			ace.Mask&exposing == 0 {
			continue // a denial, an entry only for what the folder holds, or no right to read
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if sid.Equals(owner) || sid.IsWellKnown(windows.WinBuiltinAdministratorsSid) || sid.IsWellKnown(windows.WinLocalSystemSid) {
			continue
		}
		others = append(others, account(sid))
	}
	return others, account(owner), nil
}

// account is a SID's account name, DOMAIN\name, or the SID itself.
func account(sid *windows.SID) string {
	name, domain, _, err := sid.LookupAccount("")
	switch {
	case err != nil:
		return sid.String()
	case domain != "":
		return domain + `\` + name
	}
	return name
}
