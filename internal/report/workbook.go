package report

import (
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/firmtools/bulk/internal/executor"
)

// A workbook output is written through excelize's stream writer (rows go
// to a temporary file past 16 MB, so a long run's workbook does not sit in
// memory): the header frozen and filtered, every cell stored as text in a
// column formatted as text (nothing is ever computed, and what a person
// types later stays text), widths fitted to the content, and each status
// cell coloured by what is to be done about it.

// maxCellChars is what Excel keeps of a cell, in UTF-16 units.
const maxCellChars = excelize.TotalCellChars

// cutNote ends a cell cut to what Excel keeps.
const cutNote = " [cut: Excel keeps 32,767 characters of a cell; the whole value is in the CSV]"

// Column widths, in characters.
const (
	minWidth = 6
	maxWidth = 60
)

// followUpFill is the fill of a status cell: green for done, red for what
// to fix, grey for what did not start, amber for what to check.
var followUpFill = map[executor.FollowUp]string{
	executor.FollowUpNone:  "C6EFCE",
	executor.FollowUpFix:   "FFC7CE",
	executor.FollowUpRun:   "E7E6E6",
	executor.FollowUpCheck: "FFEB9C",
}

// textFormat is Excel's built-in number format 49, "@": text.
const textFormat = 49

func (t *table) writeWorkbook(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.sheet
	if sheet == "" {
		sheet = "results"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	styles, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := t.layout(sw, styles.text); err != nil {
		return err
	}
	for i, cells := range append([][]string{t.header}, t.rows...) {
		row := make([]any, len(cells))
		for c, v := range cells {
			style := styles.text
			switch {
			case i == 0:
				style = styles.header
			case c == t.status:
				style = styles.status[executor.Status(v).FollowUp()]
			}
			row[c] = excelize.Cell{StyleID: style, Value: fitCell(v)}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if len(t.header) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(t.header), len(t.rows)+1)
		// Set before Flush: the stream writer writes the filter with the sheet.
		if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// layout freezes the header row and fits each column's width to its
// longest cell, every column formatted as text.
func (t *table) layout(sw *excelize.StreamWriter, text int) error {
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	// From the last column to the first: excelize's stream writer puts
	// each column it is told of before those it has, and a sheet's columns
	// must be listed in order (Excel calls the file damaged otherwise).
	widths := t.widths()
	for c := len(widths) - 1; c >= 0; c-- {
		w := widths[c]
		if err := sw.SetColWidth(c+1, c+1, w); err != nil {
			return err
		}
		if err := sw.SetColStyle(c+1, c+1, text); err != nil {
			return err
		}
	}
	return nil
}

// widths are the columns' widths: the longest cell's characters (its
// longest line), with room for the filter button, within bounds.
func (t *table) widths() []float64 {
	out := make([]float64, len(t.header))
	measure := func(cells []string) {
		for c, v := range cells {
			if c >= len(out) {
				break
			}
			n, line := 0, 0
			for _, r := range v {
				if r == '\n' {
					line = 0
					continue
				}
				line++
				n = max(n, line)
			}
			out[c] = max(out[c], float64(n))
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	for c := range out {
		out[c] = min(max(out[c]+3, minWidth), maxWidth)
	}
	return out
}

// fitCell is v cut to what Excel keeps of a cell, saying so, rather than
// cut without a word.
func fitCell(v string) string {
	if len(v) <= maxCellChars/3 || utf16Len(v) <= maxCellChars {
		return v
	}
	keep := maxCellChars - utf16Len(cutNote)
	n := 0
	for i, r := range v {
		n += utf16.RuneLen(r)
		if n > keep {
			return v[:i] + cutNote
		}
	}
	return v
}

// utf16Len is the length of s as Excel counts it (invalid UTF-8 bytes
// count one each, as the replacement character they become).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

type workbookStyles struct {
	header, text int
	status       map[executor.FollowUp]int
}

func newStyles(f *excelize.File) (*workbookStyles, error) {
	fmtText := textFormat
	s := &workbookStyles{status: map[executor.FollowUp]int{}}
	var err error
	if s.text, err = f.NewStyle(&excelize.Style{NumFmt: fmtText}); err != nil {
		return nil, err
	}
	if s.header, err = f.NewStyle(&excelize.Style{NumFmt: fmtText, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}}); err != nil {
		return nil, err
	}
	for fu, colour := range followUpFill {
		id, err := f.NewStyle(&excelize.Style{NumFmt: fmtText, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}})
		if err != nil {
			return nil, fmt.Errorf("a status style: %w", err)
		}
		s.status[fu] = id
	}
	return s, nil
}
