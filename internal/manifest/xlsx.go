package manifest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// A workbook is a zip of XML parts. When excelize opens one it unzips every
// part: a worksheet or the shared strings (the text of the cells) larger
// than xlsxInMemory to a temporary file, streamed from there; every other
// part into memory, parsing the workbook, styles, theme, relationships and
// calculation chain whole. It then holds each row, and each shared string,
// whole and with copies: one cell of 300 MB took it 2 GB. So that no file
// can exhaust memory or disk, checkWorkbookZip reads the zip first:
//
//   - at most Limits.MaxXLSXBytes (1 GiB) unzipped, which excelize's
//     UnzipSizeLimit enforces again: a sheet of a million create-user rows
//     (7 text columns) unzips to 415 MB, so a million-row manifest fits
//     with room to spare; what is beyond xlsxInMemory costs disk and time,
//     not memory;
//   - each other part at most xlsxMaxPart, and the parts held in memory
//     together at most xlsxMaxInMemory;
//   - the shared strings at most xlsxMaxSharedStrings bytes and
//     xlsxMaxSharedStringItems strings: on disk, excelize indexes each one;
//   - at most xlsxMaxParts parts;
//   - every part unzips, to the size its directory says (the zip reader
//     enforces it) and with its checksum;
//   - in the sheets and the shared strings, no row, string or other XML
//     token is longer than a bound (xmlBound): twice the largest record the
//     cell and column limits allow, and 1 MiB more.
//
// Reading, a record is bounded like a CSV one (maxRecordBytes), and rows
// beyond Limits.MaxRows are not read.

// xlsxInMemory is excelize's UnzipXMLSizeLimit: larger worksheets and
// shared strings go to a temporary file. A quarter of excelize's default:
// shared strings in memory are parsed whole, and grow up to eightfold as Go
// values (measured), while a temporary file costs little. A variable for
// the tests.
var xlsxInMemory int64 = 4 << 20

const (
	// xlsxMaxPart bounds each part that excelize holds in memory; those it
	// parses grow about tenfold as Go values.
	xlsxMaxPart = 16 << 20
	// xlsxMaxInMemory bounds what excelize holds in memory in all.
	xlsxMaxInMemory = 256 << 20
	// xlsxMaxSharedStrings: a million rows of three distinct text cells
	// make about 100 MB of shared strings.
	xlsxMaxSharedStrings = 512 << 20
	// xlsxMaxSharedStringItems: excelize keeps 40 bytes for each (640 MB
	// at most), and one can be 5 bytes of XML.
	xlsxMaxSharedStringItems = 16_000_000
	xlsxMaxParts             = 10_000
	// xlsxSheetsListed bounds the sheets named in a message.
	xlsxSheetsListed = 20
)

// isoDateFormat is the number format given to date cells: the value is read
// as an ISO 8601 date-time, which is what date fields take, rather than as
// the locale's display (3/1/24 is 1 March or 3 January).
const isoDateFormat = `yyyy-mm-dd"T"hh:mm:ss"Z"`

// xlsxTable reads one sheet of a workbook row by row.
type xlsxTable struct {
	path      string
	sheet     string
	tmp       string // excelize's temporary files, removed on Close
	f         *excelize.File
	rows      *excelize.Rows
	row       int
	maxRecord int
	pending   error // ends the table after the record returned
}

// openXLSX opens the workbook at path and the sheet to read (the first when
// sheet is ""). Anything wrong with the file is a Problem naming it.
func openXLSX(path, sheet string, lim Limits) (t *xlsxTable, stop *Problem) {
	problem := func(format string, args ...any) *Problem {
		return &Problem{File: path, Message: fmt.Sprintf(format, args...)}
	}
	if msg := checkWorkbookZip(path, lim); msg != "" {
		return nil, problem("%s", msg)
	}
	// Temporary files go to a directory of their own, so that all of them
	// are removed, even those excelize forgets when it fails half-way.
	tmp, err := os.MkdirTemp("", "bulk-xlsx-")
	if err != nil {
		return nil, problem("cannot read the workbook: creating a temporary directory: %v", err)
	}
	var f *excelize.File
	var rows *excelize.Rows
	defer func() {
		v := recover()
		if v != nil {
			t, stop = nil, problem("is a damaged workbook (reading it failed: %v): open it in Excel and save it again", v)
		}
		if stop != nil {
			closeWorkbook(f, rows, tmp)
		}
	}()
	f, err = excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    lim.MaxXLSXBytes,
		UnzipXMLSizeLimit: min(xlsxInMemory, lim.MaxXLSXBytes),
		TmpDir:            tmp,
	})
	if err != nil {
		return nil, problem("%s", openError(err))
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, problem("the workbook has no sheets: is it an Excel workbook?")
	}
	name := sheets[0]
	if sheet != "" {
		name = ""
		for _, s := range sheets {
			if strings.EqualFold(s, sheet) {
				name = s
				break
			}
		}
		if name == "" {
			return nil, problem("the workbook has no sheet %q; its sheets are %s%s", sheet, sheetList(sheets), didYouMean(sheet, sheets))
		}
	}
	if err := readDatesAsISO(f); err != nil {
		return nil, problem("cannot read the cell formats of the workbook: %v", err)
	}
	rows, err = f.Rows(name)
	if err != nil {
		return nil, problem("cannot read sheet %q: %v", name, err)
	}
	return &xlsxTable{path: path, sheet: name, tmp: tmp, f: f, rows: rows, maxRecord: maxRecordBytes(lim)}, nil
}

// closeWorkbook closes what openXLSX opened, whatever state it is in.
func closeWorkbook(f *excelize.File, rows *excelize.Rows, tmp string) (err error) {
	defer func() {
		if v := recover(); v != nil && err == nil {
			err = fmt.Errorf("closing the workbook: %v", v)
		}
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if rows != nil {
		rows.Close() // its error is the reading error, already reported
	}
	if f != nil {
		return f.Close()
	}
	return nil
}

// openError says why excelize could not open a workbook.
func openError(err error) string {
	switch {
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrAlgorithm),
		errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("is a damaged workbook (its zip container: %v): open it in Excel and save it again", err)
	case errors.Is(err, excelize.ErrWorkbookFileFormat), errors.Is(err, excelize.ErrWorkbookPassword):
		return "is a password-protected (encrypted) workbook: " + encryptedAdvice
	}
	return fmt.Sprintf("is a damaged workbook (%v): open it in Excel and save it again", err)
}

const encryptedAdvice = "bulk does not open encrypted workbooks; in Excel, clear the password " +
	"(File > Info > Protect Workbook > Encrypt with Password) and save it again, or save the sheet as CSV UTF-8"

// checkWorkbookZip checks the zip directory of a workbook against the
// limits; it returns the problem, or "".
func checkWorkbookZip(path string, lim Limits) string {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("cannot read the workbook: %v", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return fmt.Sprintf("cannot read the workbook: %v", err)
	}
	// The zip reader keeps every entry of the directory, about five times
	// its size, before the entries can be counted.
	budget := &budgetReaderAt{r: file, left: zipDirectoryBudget}
	zr, err := zip.NewReader(budget, st.Size())
	switch {
	case errors.Is(err, errBudget):
		return fmt.Sprintf("is not a workbook Excel would write: its zip directory is larger than %d bytes", zipDirectoryBudget)
	case err != nil:
		return fmt.Sprintf("is a damaged workbook (its zip container: %v): open it in Excel and save it again", err)
	}
	budget.left = math.MaxInt64
	if len(zr.File) > xlsxMaxParts {
		return fmt.Sprintf("is not a workbook Excel would write: it has %d parts; the limit is %d", len(zr.File), xlsxMaxParts)
	}
	var total, inMemory uint64
	hasTypes := false
	for _, e := range zr.File {
		size := e.UncompressedSize64
		name := strings.ToLower(strings.ReplaceAll(e.Name, "\\", "/"))
		hasTypes = hasTypes || name == "[content_types].xml"
		if size > uint64(lim.MaxXLSXBytes) || total+size > uint64(lim.MaxXLSXBytes) {
			return fmt.Sprintf("unzips to more than the limit of %d bytes for a workbook: split the sheet, or save it as CSV", lim.MaxXLSXBytes)
		}
		total += size
		// As excelize decides which parts go to temporary files.
		streamed := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		switch {
		case name == "xl/sharedstrings.xml" && size > xlsxMaxSharedStrings:
			return fmt.Sprintf("has %d bytes of shared strings (the text of its cells); the limit is %d: split the sheet, or save it as CSV",
				size, xlsxMaxSharedStrings)
		case streamed && size > uint64(min(xlsxInMemory, lim.MaxXLSXBytes)):
			continue
		case !streamed && size > xlsxMaxPart:
			return fmt.Sprintf("has a part %s of %d bytes; the limit for a part other than a sheet is %d "+
				"(a large picture? remove it, or save the sheet as CSV)", e.Name, size, xlsxMaxPart)
		}
		if inMemory += size; inMemory > xlsxMaxInMemory {
			return fmt.Sprintf("has more than %d bytes of small parts (many sheets?); save the sheet to read as a workbook of its own, or as CSV",
				xlsxMaxInMemory)
		}
	}
	if !hasTypes && isOpenDocument(zr) {
		return odsAdvice
	}
	if !hasTypes {
		return "is a zip archive, not an Excel workbook (it has no [Content_Types].xml): a CSV, .xlsx or YAML manifest was expected"
	}
	// excelize takes a part that fails its checksum or ends early as it
	// comes, and a sheet cut short would lose its last rows without a word.
	// Unzipping costs a few percent of reading the XML; the sheets and the
	// shared strings are scanned on the way.
	for _, e := range zr.File {
		var w io.Writer = io.Discard
		switch name := strings.ToLower(strings.ReplaceAll(e.Name, "\\", "/")); {
		case strings.HasPrefix(name, "xl/worksheets/sheet"):
			w = newXMLBound("row", int64(2*maxRecordBytes(lim)+1<<20), 0)
		case name == "xl/sharedstrings.xml":
			w = newXMLBound("si", int64(max(64*lim.MaxCellBytes, 1<<20)), xlsxMaxSharedStringItems)
		}
		err := checkPart(e, w)
		var be *boundError
		var de *damagedXML
		switch {
		case errors.As(err, &be):
			return fmt.Sprintf("is too large to read safely: its part %s %s: split the sheet, or save it as CSV", e.Name, be.what)
		case errors.As(err, &de):
			return fmt.Sprintf("is a damaged workbook (its part %s %s): open it in Excel and save it again", e.Name, de.what)
		case err != nil:
			return fmt.Sprintf("is a damaged workbook (part %s: %v): open it in Excel and save it again", e.Name, err)
		}
	}
	return ""
}

// isOpenDocument reports a zip whose "mimetype" entry names an OpenDocument
// spreadsheet (ODF 1.2 part 3, 3.3).
func isOpenDocument(zr *zip.Reader) bool {
	for _, e := range zr.File {
		if e.Name != "mimetype" || e.UncompressedSize64 > 256 {
			continue
		}
		rc, err := e.Open()
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 256))
		rc.Close()
		return strings.HasPrefix(string(b), "application/vnd.oasis.opendocument.spreadsheet")
	}
	return false
}

// zipDirectoryBudget bounds what is read before a zip's entries are
// counted: 10,000 entries of Excel's take about 1 MB. A variable for the
// tests.
var zipDirectoryBudget int64 = 4 << 20

var errBudget = errors.New("read budget exhausted")

// budgetReaderAt reads at most left bytes.
type budgetReaderAt struct {
	r    io.ReaderAt
	left int64
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > b.left {
		return 0, errBudget
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}

// checkPart unzips a part into w, checking its size and checksum.
func checkPart(e *zip.File, w io.Writer) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err = io.Copy(w, rc); err != nil {
		return err
	}
	if c, ok := w.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// maxRecordBytes bounds one record (all its cells), for CSV and workbooks.
func maxRecordBytes(lim Limits) int {
	n := lim.MaxCellBytes * lim.MaxColumns
	if n > 64<<20 || n <= 0 {
		n = 64 << 20
	}
	return n
}

func (t *xlsxTable) Next() (rec []string, err error) {
	defer func() {
		if v := recover(); v != nil {
			rec, err = nil, &stopError{row: t.row, message: fmt.Sprintf("sheet %q: the workbook is damaged (reading it failed: %v): open it in Excel and save it again", t.sheet, v)}
		}
	}()
	if t.pending != nil {
		return nil, t.pending
	}
	if !t.rows.Next() {
		if err := t.rows.Error(); err != nil {
			return nil, t.readError(t.row+1, err)
		}
		return nil, io.EOF
	}
	t.row++
	cols, err := t.rows.Columns()
	if errors.Is(err, excelize.ErrMaxRows) {
		// The row read is whole; the damage is in the next one.
		t.pending = t.readError(t.row+1, err)
	} else if err != nil {
		return nil, t.readError(t.row, err)
	}
	n := 0
	for _, c := range cols {
		n += len(c)
	}
	if n > t.maxRecord {
		return nil, &stopError{row: t.row, message: fmt.Sprintf("sheet %q: the row has %d bytes of text, more than the limit of %d: the rest was not read",
			t.sheet, n, t.maxRecord)}
	}
	return cols, nil
}

func (t *xlsxTable) readError(row int, err error) error {
	if errors.Is(err, excelize.ErrMaxRows) {
		return &stopError{row: row, message: fmt.Sprintf("sheet %q: a row is numbered beyond Excel's last row, %d: the workbook is damaged", t.sheet, excelize.TotalRows)}
	}
	return &stopError{row: row, message: fmt.Sprintf("sheet %q: the workbook is damaged (%v): open it in Excel and save it again", t.sheet, err)}
}

func (t *xlsxTable) Row() int { return t.row }

// CheckUTF8: excelize's XML decoder has checked the text.
func (t *xlsxTable) CheckUTF8() bool { return false }

func (t *xlsxTable) Close() error {
	if err := closeWorkbook(t.f, t.rows, t.tmp); err != nil {
		return fmt.Errorf("closing workbook %s: %w", t.path, err)
	}
	return nil
}

func sheetList(sheets []string) string {
	if len(sheets) <= xlsxSheetsListed {
		return quoteList(sheets)
	}
	return fmt.Sprintf("%s and %d more", quoteList(sheets[:xlsxSheetsListed]), len(sheets)-xlsxSheetsListed)
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// readDatesAsISO makes the cells whose number format shows a date read as
// an ISO 8601 date-time (in UTC: Excel keeps no time zone). Other cells
// keep the text Excel shows. Only the workbook in memory changes.
func readDatesAsISO(f *excelize.File) error {
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil {
		return nil
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			if nf == nil {
				continue
			}
			if _, dup := custom[nf.NumFmtID]; dup {
				continue // excelize uses the first
			}
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	var dates []int
	for i, xf := range ss.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		id := *xf.NumFmtID
		if code, ok := custom[id]; ok {
			if isDateFormat(code) {
				dates = append(dates, i)
			}
		} else if builtinDateFormats[id] {
			dates = append(dates, i)
		}
	}
	if len(dates) == 0 {
		return nil
	}
	code := isoDateFormat
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return err
	}
	if style < 0 || style >= len(ss.CellXfs.Xf) || ss.CellXfs.Xf[style].NumFmtID == nil {
		return errors.New("the ISO date format could not be added")
	}
	id := *ss.CellXfs.Xf[style].NumFmtID
	for _, i := range dates {
		ss.CellXfs.Xf[i].NumFmtID = &id
	}
	return nil
}

// builtinDateFormats are the built-in number formats that show a date (ECMA-
// 376 part 1, 18.8.30): 14-17 and 22, and the East Asian ones. Those that
// show only a time (18-21, 45-47, ...) keep their display.
var builtinDateFormats = map[int]bool{14: true, 15: true, 16: true, 17: true, 22: true,
	27: true, 28: true, 29: true, 30: true, 31: true, 36: true, 50: true, 51: true, 54: true, 57: true, 58: true}

// isDateFormat reports whether a number format code shows a date: a year,
// a day or a month in its first section, outside quoted text, escapes and
// brackets. "m" is a month unless it follows an hour or precedes seconds,
// as Excel reads it.
func isDateFormat(code string) bool {
	type tok byte // 'y', 'd', 'm', 'h', 's'
	var toks []tok
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ';':
			i = len(code) // the first section is the one for numbers ≥ 0
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++ // an escaped, spacing or repeated character
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				toks = append(toks, tok(inner[0])) // elapsed time: [h]:mm
			}
			i += j
		default:
			lower := c | 0x20
			switch {
			case len(code)-i >= 5 && strings.EqualFold(code[i:i+5], "am/pm"):
				i += 4
			case len(code)-i >= 3 && strings.EqualFold(code[i:i+3], "a/p"):
				i += 2
			case len(code)-i >= 7 && strings.EqualFold(code[i:i+7], "general"):
				i += 6
			case lower == 'y' || lower == 'd' || lower == 'm' || lower == 'h' || lower == 's':
				toks = append(toks, tok(lower))
				for i+1 < len(code) && code[i+1]|0x20 == lower {
					i++
				}
			}
		}
	}
	for i, t := range toks {
		switch t {
		case 'y', 'd':
			return true
		case 'm':
			minute := (i > 0 && toks[i-1] == 'h') || (i+1 < len(toks) && toks[i+1] == 's')
			if !minute {
				return true
			}
		}
	}
	return false
}

var oleEncryptedPackage = []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e\x00\x00\x00")

// isEncryptedWorkbook reports whether an Office binary (OLE compound) file
// is an encrypted .xlsx: Excel stores those as a compound file with an
// "EncryptedPackage" stream (MS-OFFCRYPTO 2.3.4). Directory entries are 128
// bytes at 128-byte boundaries (sectors are 512 or 4096 bytes), so the
// entry is found without reading the compound file's allocation tables.
// At most limit bytes are read.
func isEncryptedWorkbook(r io.Reader, limit int64) bool {
	buf := make([]byte, 64<<10)
	r = io.LimitReader(r, limit)
	for {
		n, err := io.ReadFull(r, buf)
		for off := 0; off+128 <= n; off += 128 {
			e := buf[off : off+128]
			if bytes.HasPrefix(e, oleEncryptedPackage) && binary.LittleEndian.Uint16(e[64:]) == uint16(len(oleEncryptedPackage)) && e[66] == 2 {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}
