package wire

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A created tab or folder is reported as the service sent it, fields it
// adds included, and is read into its typed fields too.
func TestAnswersKeptWhole(t *testing.T) {
	tabData := `{"id": "ACTIVE_US!10000", "name": "Correspondence", "workspace_id": "ACTIVE_US!1000", "added_later": [1, 2]}`
	var tab Tab
	if err := json.Unmarshal([]byte(tabData), &tab); err != nil {
		t.Fatal(err)
	}
	if tab.ID != "ACTIVE_US!10000" || tab.Name != "Correspondence" || tab.WorkspaceID != "ACTIVE_US!1000" {
		t.Errorf("tab fields = %+v", tab)
	}
	if b, _ := json.Marshal(tab); string(b) != `{"id":"ACTIVE_US!10000","name":"Correspondence","workspace_id":"ACTIVE_US!1000","added_later":[1,2]}` {
		t.Errorf("tab written as %s", b)
	}

	folderData := `{"id":"ACTIVE_US!10001","wstype":"folder","profile":{"custom1":"1001","class":"DOC"},"new":true}`
	var folder Folder
	if err := json.Unmarshal([]byte(folderData), &folder); err != nil {
		t.Fatal(err)
	}
	wantProfile := &FolderProfile{Class: "DOC", Custom: map[string]json.RawMessage{"custom1": json.RawMessage(`"1001"`)}}
	if folder.ID != "ACTIVE_US!10001" || folder.WSType != "folder" || !reflect.DeepEqual(folder.Profile, wantProfile) {
		t.Errorf("folder fields = %+v, profile %+v", folder, folder.Profile)
	}
	if b, _ := json.Marshal(folder); string(b) != folderData {
		t.Errorf("folder written as %s, want %s", b, folderData)
	}

	// Built rather than read, a tab is written from its fields.
	if b, _ := json.Marshal(Tab{ID: "X!1"}); string(b) != `{"database":"","default_security":"","id":"X!1","name":"","owner":"","tab_url":"","workspace_id":"","workspace_name":""}` {
		t.Errorf("a built tab is written as %s", b)
	}
}

func TestIntegral(t *testing.T) {
	for in, want := range map[string]int64{"3": 3, "3.0": 3, "3e0": 3, "-12": -12} {
		if got, err := Integral(json.Number(in)); err != nil || got != want {
			t.Errorf("Integral(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"3.5", "1e300", "x"} {
		if _, err := Integral(json.Number(in)); err == nil {
			t.Errorf("Integral(%s) took it as a whole number", in)
		}
	}
}
