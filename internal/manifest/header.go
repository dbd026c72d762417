package manifest

import (
	"fmt"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
)

// Read says what was read of a table file: for a workbook which sheet and
// why, and where the header is. `validate` and `run` print it, so a person
// sees what bulk saw.
type Read struct {
	File      string `json:"file"`
	Sheet     string `json:"sheet,omitempty"`
	Why       string `json:"why,omitempty"` // the active sheet, the first visible sheet, named by --sheet
	HeaderRow int    `json:"header_row"`
	// HeaderHow says how the header was found when it is not the first
	// row: below title rows, or named by --header-row.
	HeaderHow string `json:"header_how,omitempty"`
	// HiddenRowsSkipped counts the hidden rows --hidden-rows skip left out.
	HiddenRowsSkipped int `json:"hidden_rows_skipped,omitempty"`
}

func (r Read) String() string {
	var b strings.Builder
	b.WriteString(r.File)
	b.WriteString(": read ")
	if r.Sheet != "" {
		fmt.Fprintf(&b, "sheet %q (%s), ", r.Sheet, r.Why)
	}
	fmt.Fprintf(&b, "header on row %d", r.HeaderRow)
	if r.HeaderHow != "" {
		fmt.Fprintf(&b, " (%s)", r.HeaderHow)
	}
	if r.HiddenRowsSkipped > 0 {
		fmt.Fprintf(&b, "; %s left out (--hidden-rows skip)", plural(r.HiddenRowsSkipped, "hidden row", "hidden rows"))
	}
	return b.String()
}

// headerScore counts the cells of a row that name a column bulk knows: a
// field of the file's action (of some action when rows name theirs),
// action, ref, or a header a YAML source maps.
func headerScore(rec []string, tc tableContext, spec *actions.Spec) int {
	n := 0
	for _, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		f := names.Fold(c)
		known := f == "action" || f == "ref" || isFieldOf(c, spec)
		for _, m := range tc.columns {
			known = known || names.Fold(m.header) == f && m.header != ""
			for _, r := range m.refs {
				known = known || names.Fold(r) == f
			}
		}
		if known {
			n++
		}
	}
	return n
}
