// Package tabular reads tables: CSV files and the sheets of .xlsx
// workbooks, a record at a time, with the spreadsheet row of each record
// and, for a workbook, what each cell is beneath its display (a number, a
// date, an Excel error). It opens a file by its content (a workbook saved
// as .csv is still a workbook), decodes text encodings, finds the header
// (below title rows), and reads ahead of its consumers. Every input is
// bounded: cells, columns, rows, what a workbook unzips to and how its XML
// nests. It knows nothing of actions or jobs: the manifest reader
// (internal/manifest) turns the records into jobs.
package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Table is a file of rows: CSV or a workbook's sheet.
type Table interface {
	// Next returns the next record; io.EOF at the end; a *Problem when
	// the rest of the file cannot be read. The slice may be reused.
	Next() ([]string, error)
	// Row is the spreadsheet row number of the record Next returned.
	Row() int
	// CheckUTF8: cells still have to be checked for valid UTF-8.
	CheckUTF8() bool
	// Meta says what the cells of the record Next returned are, for a
	// workbook (numbers, dates); nil for CSV. The slice may be reused.
	Meta() []Cell
	Close() error
}

// Problem is what makes a file, or the rest of it, unreadable as a table:
// where (Row 0: the whole file) and what to do about it.
type Problem struct {
	Row     int
	Column  string
	Message string
}

func (p *Problem) Error() string { return p.Message }

// Options say how to read a table and bound what is read.
type Options struct {
	Delimiter rune   // 0: detect from the header line (',', ';', '\t', '|')
	Encoding  string // "" (auto: BOM sniff, else UTF-8), or a name ParseEncoding knows
	Sheet     string // a workbook's sheet; "": the active sheet when visible, else the first visible one
	// HiddenRows says what to do with rows hidden in a sheet: "" notes
	// them (Sheet.HiddenRead), "include" reads them, "skip" leaves them out.
	HiddenRows   string
	MaxCellBytes int   // one cell
	MaxColumns   int   // columns of a record
	MaxXLSXBytes int64 // a workbook, unzipped
}

// CheckHiddenRows checks a value of Options.HiddenRows.
func CheckHiddenRows(v string) error {
	switch v {
	case "", "include", "skip":
		return nil
	}
	return fmt.Errorf("%q: want include (run the hidden rows) or skip (leave them out)", v)
}

const odsAdvice = "is an OpenDocument spreadsheet (.ods), which bulk does not read: save it as .xlsx or as CSV UTF-8"

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
)

// Open opens a CSV file or a workbook, chosen by content first (a workbook
// saved as .csv is still a workbook) and extension second. A problem with
// the file that prevents reading it is a *Problem; other errors are I/O.
func Open(path string, opts Options) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(8 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		f.Close()
		return nil, fmt.Errorf("reading manifest %s: %w", path, err)
	}
	fileProblem := func(msg string) (Table, error) {
		f.Close()
		return nil, &Problem{Message: msg}
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case bytes.HasPrefix(head, zipMagic):
		f.Close() // the workbook reader opens it again, to read the zip directory
		t, stop := openXLSX(path, opts)
		if stop != nil {
			return nil, stop
		}
		return t, nil
	case bytes.HasPrefix(head, oleMagic):
		if isEncryptedWorkbook(br, opts.MaxXLSXBytes) {
			return fileProblem("is a password-protected (encrypted) workbook: " + encryptedAdvice)
		}
		return fileProblem("is an Excel 97-2003 workbook (.xls) or another Office binary file: save it as .xlsx or as CSV UTF-8")
	case ext == ".xlsx" || ext == ".xlsm":
		msg := "is named " + ext + " but is not an Excel workbook (not a zip file)"
		text := head // less a character the peek may have cut
		if len(text) > utf8.UTFMax {
			text = text[:len(text)-utf8.UTFMax]
		}
		if len(head) > 0 && utf8.Valid(text) && bytes.IndexByte(head, 0) < 0 {
			msg += ": it looks like text; if it is CSV, rename it .csv"
		}
		return fileProblem(msg)
	case ext == ".xls":
		return fileProblem("is an Excel 97-2003 workbook (.xls): save it as .xlsx or as CSV UTF-8")
	case ext == ".ods":
		return fileProblem(odsAdvice)
	}
	ct, stop := newCSVTable(f, br, head, opts)
	if stop != nil {
		f.Close()
		return nil, stop
	}
	return ct, nil
}

// LooksLikeWorkbook reports a file that starts as a workbook does (a zip,
// or an Office binary file), from its first bytes.
func LooksLikeWorkbook(head []byte) bool {
	return bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, oleMagic)
}

// NotUTF8 says what is wrong with a cell that is not valid UTF-8 (the
// first bad byte), and what to do about it.
func NotUTF8(cell string) string {
	bad := cell
	for i := 0; i < len(cell); {
		r, n := utf8.DecodeRuneInString(cell[i:])
		if r == utf8.RuneError && n == 1 {
			bad = fmt.Sprintf("0x%02X", cell[i])
			break
		}
		i += n
	}
	return fmt.Sprintf("is not valid UTF-8 (byte %s): the file is probably Windows-1252, as Excel's \"CSV\" (not \"CSV UTF-8\") saves it; "+
		"read it with --encoding windows-1252", bad)
}
