package tabular

// A spreadsheet reads a cell that starts with =, +, -, @, a tab or a
// carriage return as a formula (CSV injection). Every cell bulk writes to
// a table gets a leading single quote then, as OWASP recommends; so does a
// cell that already starts with a quote before one of those (or another
// quote), so that the quote can be taken off again without doubt when bulk
// reads back a file of its own (a file of rows to fix: Restore).

// Neutralise makes a cell safe to open in a spreadsheet.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	if formulaStart(s[0]) || s[0] == '\'' && len(s) > 1 && (formulaStart(s[1]) || s[1] == '\'') {
		return "'" + s
	}
	return s
}

// Restore undoes Neutralise: the cell as it was before bulk wrote it.
func Restore(s string) string {
	if len(s) > 1 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
