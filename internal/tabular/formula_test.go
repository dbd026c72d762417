package tabular

import "testing"

func TestNeutraliseAndRestore(t *testing.T) {
	cases := map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@A": "'@A", "\tx": "'\tx", "\rx": "'\rx",
		"'=x": "''=x", "''": "'''", "'-": "''-",
		"plain": "plain", "": "", "a=b": "a=b", "'": "'", "'a": "'a", "O'Brien": "O'Brien",
	}
	for in, want := range cases {
		got := Neutralise(in)
		if got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
		if back := Restore(got); back != in {
			t.Errorf("Restore(%q) = %q, want %q", got, back, in)
		}
		if got != "" && formulaStart(got[0]) {
			t.Errorf("%q still starts a formula", got)
		}
	}
}
