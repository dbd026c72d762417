package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/names"
)

// A workbook is a zip of XML parts. bulk reads the parts a sheet needs
// itself, one token at a time (xmlTokens), and keeps only what the rows
// need: the sheet list, one byte of number-format class per cell style,
// and the shared strings (the text of the cells) in one string. A general
// workbook library parses the styles, the workbook and the shared strings
// into Go values of ten to forty times their size, and gave a 38 KB file
// 756 MB (see BENCHMARKS.md, "Hostile workbooks"); it also does not say
// which rows are hidden, which cells are numbers in General format, or what
// a number is beneath its display, which is what validation must know.
//
// What is read is bounded before it is read, from the zip directory:
//
//   - at most Options.MaxXLSXBytes (1 GiB) unzipped, xlsxMaxParts parts, and
//     each part other than a sheet or the shared strings at most
//     xlsxMaxPart;
//   - no part larger than xlsxRatioFloor that unzips to more than
//     xlsxMaxRatio times its compressed size: the sheets Excel writes
//     compress 10 to 20 times, a zip bomb a thousand;
//   - the zip directory itself is read within zipDirectoryBudget;
//
// and while it is read: no tag or text longer than a bound, at most
// xlsxMaxStyles cell styles and xlsxMaxNumFmts number formats,
// xlsxMaxSharedStringItems shared strings, Excel's 1,048,576 rows and
// 16,384 columns; a record is bounded like a CSV one (maxRecordBytes), and
// rows beyond the caller's row limit are not read. Every part read is checked
// against its checksum, to its end.

const (
	// xlsxMaxPart bounds each part that is not a sheet or the shared
	// strings (the styles, the workbook, a picture).
	xlsxMaxPart = 16 << 20
	// xlsxMaxSharedStrings: a million rows of three distinct text cells
	// make about 100 MB of shared strings.
	xlsxMaxSharedStrings = 512 << 20
	// xlsxMaxSharedStringItems: 4 bytes each are kept.
	xlsxMaxSharedStringItems = 16_000_000
	xlsxMaxParts             = 10_000
	// xlsxMaxRatio and xlsxRatioFloor: see above.
	xlsxMaxRatio   = 100
	xlsxRatioFloor = 1 << 20
	// xlsxMaxStyles: Excel allows 64,000 cell formats.
	xlsxMaxStyles = 1 << 17
	// xlsxMaxNumFmts: Excel allows about 250 custom number formats.
	xlsxMaxNumFmts = 1 << 13
	// xlsxMaxSheets bounds the sheet list.
	xlsxMaxSheets = 10_000
	// xlsxSheetsListed bounds the sheets named in a message.
	xlsxSheetsListed = 20
	// excelRows and excelColumns are Excel's own limits.
	excelRows    = 1_048_576
	excelColumns = 16_384
)

// workbook is what is kept of a workbook while one of its sheets is read.
type workbook struct {
	path     string
	file     *os.File
	parts    map[string]*zip.File // by lower-case name
	sheets   []sheetEntry
	active   int // the workbook's active sheet (index in sheets)
	date1904 bool
	styles   []numFmtInfo // by cell style (the s of a cell)
	sst      sharedStrings
	lim      Options
}

type sheetEntry struct {
	name  string
	state string // "", "hidden" or "veryHidden"
	part  string // lower-case part name; "" when it is not a worksheet
}

type numFmtInfo struct {
	class numFmtClass
	code  string
}

// sharedStrings holds every shared string in one string: item i is
// text[ends[i-1]:ends[i]].
type sharedStrings struct {
	text string
	ends []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]], true
}

// openXLSX opens the workbook at path and the sheet to read. Anything wrong
// with the file is a Problem naming it.
func openXLSX(path string, opts Options) (t *Sheet, stop *Problem) {
	lim := opts
	problem := func(format string, args ...any) *Problem {
		return &Problem{Message: fmt.Sprintf(format, args...)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, problem("cannot read the workbook: %v", err)
	}
	wb := &workbook{path: path, file: f, lim: lim}
	defer func() {
		if stop != nil {
			f.Close()
		}
	}()
	zr, msg := checkWorkbookZip(f, lim)
	if msg != "" {
		return nil, problem("%s", msg)
	}
	wb.parts = make(map[string]*zip.File, len(zr.File))
	for _, e := range zr.File {
		wb.parts[strings.ToLower(strings.ReplaceAll(e.Name, "\\", "/"))] = e
	}
	if msg := wb.readParts(); msg != "" {
		return nil, problem("%s", msg)
	}
	i, why, msg := wb.chooseSheet(opts.Sheet)
	if msg != "" {
		return nil, problem("%s", msg)
	}
	t, msg = wb.openSheet(i, why, opts.HiddenRows)
	if msg != "" {
		return nil, problem("%s", msg)
	}
	return t, nil
}

// readParts reads the package relationships, the workbook, its styles and
// its shared strings.
func (wb *workbook) readParts() string {
	main := "xl/workbook.xml"
	if rels, err := wb.readRels("_rels/.rels", ""); err != "" {
		return err
	} else if target, ok := rels.byType["officeDocument"]; ok {
		main = target
	}
	if _, ok := wb.parts[main]; !ok {
		return "is not an Excel workbook: it has no workbook part (" + main + ")"
	}
	dir := path.Dir(main)
	relsPart := path.Join(dir, "_rels", path.Base(main)+".rels")
	rels, msg := wb.readRels(relsPart, dir)
	if msg != "" {
		return msg
	}
	if msg := wb.readPart(main, wb.parseWorkbook(rels)); msg != "" {
		return msg
	}
	if len(wb.sheets) == 0 {
		return "the workbook has no sheets: is it an Excel workbook?"
	}
	if p := rels.partOf("styles", path.Join(dir, "styles.xml")); wb.parts[p] != nil {
		if msg := wb.readPart(p, wb.parseStyles); msg != "" {
			return msg
		}
	}
	if p := rels.partOf("sharedStrings", path.Join(dir, "sharedstrings.xml")); wb.parts[p] != nil {
		if msg := wb.readSharedStrings(p); msg != "" {
			return msg
		}
	}
	return ""
}

// relationships are a part's links to other parts.
type relationships struct {
	byID   map[string]string // Id -> target part (lower case)
	byType map[string]string // last element of Type -> the first target of that type
}

func (r relationships) partOf(typ, fallback string) string {
	if p, ok := r.byType[typ]; ok {
		return p
	}
	return fallback
}

// readRels reads a relationships part; targets are resolved against dir.
func (wb *workbook) readRels(name, dir string) (relationships, string) {
	rels := relationships{byID: map[string]string{}, byType: map[string]string{}}
	if wb.parts[name] == nil {
		return rels, ""
	}
	msg := wb.readPart(name, func(x *xmlTokens) error {
		for {
			if err := x.next(); err != nil {
				return err
			}
			if x.kind != tokStart || !x.is("Relationship") {
				continue
			}
			if len(rels.byID) >= xlsxMaxParts {
				return &boundError{fmt.Sprintf("has more than %d relationships", xlsxMaxParts)}
			}
			id, _ := x.attr("Id")
			typ, _ := x.attr("Type")
			target, _ := x.attr("Target")
			if mode, _ := x.attr("TargetMode"); string(mode) == "External" {
				continue
			}
			t := string(target)
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Join(dir, t)
			}
			t = strings.ToLower(t)
			rels.byID[string(id)] = t
			kind := string(typ)
			if i := strings.LastIndexByte(kind, '/'); i >= 0 {
				kind = kind[i+1:]
			}
			if _, dup := rels.byType[kind]; !dup {
				rels.byType[kind] = t
			}
		}
	})
	return rels, msg
}

// readPart reads one part with parse, which reads tokens until io.EOF;
// the rest of the part is then read too, so that its checksum is checked.
func (wb *workbook) readPart(name string, parse func(x *xmlTokens) error) string {
	e := wb.parts[name]
	rc, err := e.Open()
	if err != nil {
		return partError(e.Name, err)
	}
	defer rc.Close()
	x := newXMLTokens(rc, xmlTokenLimit(wb.lim))
	err = parse(x)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
	}
	if err != nil && err != io.EOF {
		return partError(e.Name, err)
	}
	return ""
}

// xmlTokenLimit bounds one tag or text of a part: twice the largest row
// the cell and column limits allow, and 1 MiB more.
func xmlTokenLimit(lim Options) int {
	return 2*maxRecordBytes(lim) + 1<<20
}

// partError says what is wrong with a part.
func partError(part string, err error) string {
	var be *boundError
	var de *damagedXML
	switch {
	case errors.As(err, &be):
		return fmt.Sprintf("is too large to read safely: its part %s %s: split the sheet, or save it as CSV", part, be.what)
	case errors.As(err, &de):
		return fmt.Sprintf("is a damaged workbook (its part %s %s): open it in Excel and save it again", part, de.what)
	}
	return fmt.Sprintf("is a damaged workbook (part %s: %v): open it in Excel and save it again", part, err)
}

// parseWorkbook reads the sheet list, the active sheet and the date system.
func (wb *workbook) parseWorkbook(rels relationships) func(x *xmlTokens) error {
	return func(x *xmlTokens) error {
		for {
			if err := x.next(); err != nil {
				return err
			}
			if x.kind != tokStart {
				continue
			}
			switch {
			case x.is("sheet"):
				if len(wb.sheets) >= xlsxMaxSheets {
					return &boundError{fmt.Sprintf("has more than %d sheets", xlsxMaxSheets)}
				}
				name, _ := x.attr("name")
				state, _ := x.attr("state")
				id, _ := x.attr("id") // r:id
				part := rels.byID[string(id)]
				if !strings.Contains(part, "worksheets/") {
					part = "" // a chart sheet, or a dialog sheet
				}
				wb.sheets = append(wb.sheets, sheetEntry{name: string(name), state: string(state), part: part})
			case x.is("workbookView"):
				if v, ok := x.attr("activeTab"); ok {
					wb.active, _ = strconv.Atoi(string(v))
				}
			case x.is("workbookPr"):
				if v, ok := x.attr("date1904"); ok {
					wb.date1904 = string(v) == "1" || string(v) == "true"
				}
			}
		}
	}
}

// parseStyles reads the number format of each cell style.
func (wb *workbook) parseStyles(x *xmlTokens) error {
	custom := map[int]string{}
	inXfs := false
	for {
		if err := x.next(); err != nil {
			return err
		}
		switch {
		case x.kind == tokStart && x.is("numFmt"):
			if len(custom) >= xlsxMaxNumFmts {
				return &boundError{fmt.Sprintf("has more than %d number formats", xlsxMaxNumFmts)}
			}
			id, _ := x.attr("numFmtId")
			code, _ := x.attr("formatCode")
			n, err := strconv.Atoi(string(id))
			if _, dup := custom[n]; err == nil && !dup {
				custom[n] = string(code)
			}
		case x.kind == tokStart && x.is("cellXfs"):
			inXfs = !x.selfClose
		case x.kind == tokEnd && x.is("cellXfs"):
			inXfs = false
		case x.kind == tokStart && inXfs && x.is("xf"):
			if len(wb.styles) >= xlsxMaxStyles {
				return &boundError{fmt.Sprintf("has more than %d cell styles", xlsxMaxStyles)}
			}
			id, _ := x.attr("numFmtId")
			n, _ := strconv.Atoi(string(id))
			wb.styles = append(wb.styles, numFmtOf(n, custom))
		}
	}
}

// numFmtOf classes the number format n of a workbook with custom formats.
func numFmtOf(n int, custom map[int]string) numFmtInfo {
	if code, ok := custom[n]; ok {
		return numFmtInfo{class: classifyNumFmt(code), code: code}
	}
	if builtinDateFormats[n] {
		return numFmtInfo{class: fmtDate}
	}
	if code, ok := builtinNumFmts[n]; ok {
		return numFmtInfo{class: classifyNumFmt(code), code: code}
	}
	if n == 0 {
		return numFmtInfo{class: fmtGeneral}
	}
	return numFmtInfo{class: fmtOther, code: fmt.Sprintf("built-in format %d", n)}
}

// readSharedStrings reads the shared strings into one string.
func (wb *workbook) readSharedStrings(name string) string {
	var b strings.Builder
	// The text is shorter than its XML: growing once spares the copies.
	b.Grow(int(min(wb.parts[name].UncompressedSize64, xlsxMaxSharedStrings)))
	var ends []uint32
	msg := wb.readPart(name, func(x *xmlTokens) error {
		depth, text := 0, false // depth of <si>; in a <t> of it (not of a phonetic run)
		skip := 0               // depth of an <rPh> being skipped
		for {
			if err := x.next(); err != nil {
				return err
			}
			switch x.kind {
			case tokStart:
				switch {
				case x.is("si"):
					if len(ends) >= xlsxMaxSharedStringItems {
						return &boundError{fmt.Sprintf("has more than %d shared strings", xlsxMaxSharedStringItems)}
					}
					depth = x.depth()
					if x.selfClose {
						ends = append(ends, uint32(b.Len()))
					}
				case x.is("rPh") && skip == 0:
					skip = x.depth()
				case x.is("t") && depth > 0 && skip == 0:
					text = !x.selfClose
				}
			case tokEnd:
				switch {
				case x.is("t"):
					text = false
				case x.is("rPh") && x.depth()+1 == skip:
					skip = 0
				case x.is("si") && depth > 0:
					depth = 0
					ends = append(ends, uint32(b.Len()))
				}
			case tokText:
				if text {
					if b.Len()+len(x.text) > xlsxMaxSharedStrings {
						return &boundError{fmt.Sprintf("has more than %d bytes of shared strings", xlsxMaxSharedStrings)}
					}
					writeUnescaped(&b, x.text)
				}
			}
		}
	})
	wb.sst = sharedStrings{text: b.String(), ends: ends}
	return msg
}

// writeUnescaped writes text with Excel's _xHHHH_ escapes (how it stores
// characters XML cannot hold) decoded.
func writeUnescaped(b *strings.Builder, text []byte) {
	for {
		i := bytes.Index(text, []byte("_x"))
		if i < 0 || i+7 > len(text) || text[i+6] != '_' {
			b.Write(text)
			return
		}
		n, err := strconv.ParseUint(string(text[i+2:i+6]), 16, 16)
		if err != nil {
			b.Write(text[:i+2])
			text = text[i+2:]
			continue
		}
		b.Write(text[:i])
		b.WriteRune(rune(n))
		text = text[i+7:]
	}
}

// chooseSheet picks the sheet to read: the one named, else the active one
// when it is visible, else the first visible one. why says which.
func (wb *workbook) chooseSheet(named string) (i int, why string, msg string) {
	sheetNames := make([]string, len(wb.sheets))
	for k, s := range wb.sheets {
		sheetNames[k] = s.name
	}
	if named != "" {
		for k, s := range wb.sheets {
			if strings.EqualFold(s.name, named) {
				if s.part == "" {
					return 0, "", fmt.Sprintf("sheet %q is a chart, not a sheet of cells", s.name)
				}
				why = "named by --sheet"
				if s.state != "" {
					why += "; it is hidden"
				}
				return k, why, ""
			}
		}
		return 0, "", fmt.Sprintf("the workbook has no sheet %q; its sheets are %s%s", named, sheetList(sheetNames), names.DidYouMean(named, sheetNames))
	}
	visible := func(s sheetEntry) bool { return s.state == "" || s.state == "visible" }
	if a := wb.active; a >= 0 && a < len(wb.sheets) && visible(wb.sheets[a]) && wb.sheets[a].part != "" {
		return a, "the active sheet", ""
	}
	for k, s := range wb.sheets {
		if visible(s) && s.part != "" {
			return k, "the first visible sheet", ""
		}
	}
	return 0, "", fmt.Sprintf("has no visible sheet of cells: name the one to read with --sheet (its sheets are %s)", sheetList(sheetNames))
}

// checkWorkbookZip reads the zip directory of a workbook and checks it
// against the limits; it returns the reader, or the problem.
func checkWorkbookZip(file *os.File, lim Options) (*zip.Reader, string) {
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Sprintf("cannot read the workbook: %v", err)
	}
	if st.Size() > lim.MaxXLSXBytes {
		return nil, fmt.Sprintf("workbook is %d bytes, more than the limit of %d", st.Size(), lim.MaxXLSXBytes)
	}
	// The zip reader keeps every entry of the directory, about five times
	// its size, before the entries can be counted.
	budget := &budgetReaderAt{r: file, left: zipDirectoryBudget}
	zr, err := zip.NewReader(budget, st.Size())
	switch {
	case errors.Is(err, errBudget):
		return nil, fmt.Sprintf("is not a workbook Excel would write: its zip directory is larger than %d bytes", zipDirectoryBudget)
	case err != nil:
		return nil, fmt.Sprintf("is a damaged workbook (its zip container: %v): open it in Excel and save it again", err)
	}
	budget.left = math.MaxInt64
	if len(zr.File) > xlsxMaxParts {
		return nil, fmt.Sprintf("is not a workbook Excel would write: it has %d parts; the limit is %d", len(zr.File), xlsxMaxParts)
	}
	var total uint64
	hasTypes := false
	for _, e := range zr.File {
		size := e.UncompressedSize64
		name := strings.ToLower(strings.ReplaceAll(e.Name, "\\", "/"))
		hasTypes = hasTypes || name == "[content_types].xml"
		if size > uint64(lim.MaxXLSXBytes) || total+size > uint64(lim.MaxXLSXBytes) {
			return nil, fmt.Sprintf("unzips to more than the limit of %d bytes for a workbook: split the sheet, or save it as CSV", lim.MaxXLSXBytes)
		}
		total += size
		sheet := strings.HasPrefix(name, "xl/worksheets/")
		switch {
		case name == "xl/sharedstrings.xml" && size > xlsxMaxSharedStrings:
			return nil, fmt.Sprintf("has %d bytes of shared strings (the text of its cells); the limit is %d: split the sheet, or save it as CSV",
				size, xlsxMaxSharedStrings)
		case !sheet && name != "xl/sharedstrings.xml" && size > xlsxMaxPart:
			return nil, fmt.Sprintf("has a part %s of %d bytes; the limit for a part other than a sheet is %d "+
				"(a large picture? remove it, or save the sheet as CSV)", e.Name, size, xlsxMaxPart)
		case size > xlsxRatioFloor && size/max(e.CompressedSize64, 1) > xlsxMaxRatio:
			return nil, fmt.Sprintf("is not a workbook Excel would write: its part %s unzips from %d to %d bytes, %d times (a zip bomb?)",
				e.Name, e.CompressedSize64, size, size/max(e.CompressedSize64, 1))
		}
	}
	if !hasTypes && isOpenDocument(zr) {
		return nil, odsAdvice
	}
	if !hasTypes {
		return nil, "is a zip archive, not an Excel workbook (it has no [Content_Types].xml): a CSV, .xlsx or YAML manifest was expected"
	}
	return zr, ""
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

// maxRecordBytes bounds one record (all its cells), for CSV and workbooks.
func maxRecordBytes(lim Options) int {
	n := lim.MaxCellBytes * lim.MaxColumns
	if n > 64<<20 || n <= 0 {
		n = 64 << 20
	}
	return n
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

const encryptedAdvice = "bulk does not open encrypted workbooks; in Excel, clear the password " +
	"(File > Info > Protect Workbook > Encrypt with Password) and save it again, or save the sheet as CSV UTF-8"

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
