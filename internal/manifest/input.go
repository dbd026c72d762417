package manifest

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

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// table is a file of rows: CSV or a spreadsheet's sheet.
type table interface {
	// Next returns the next record; io.EOF at the end; a *stopError when
	// the rest of the file cannot be read. The slice may be reused.
	Next() ([]string, error)
	// Row is the spreadsheet row number of the record Next returned.
	Row() int
	// CheckUTF8: cells still have to be checked for valid UTF-8.
	CheckUTF8() bool
	// Meta says what the cells of the record Next returned are, for a
	// workbook (numbers, dates); nil for CSV. The slice may be reused.
	Meta() []cellMeta
	Close() error
}

// stopError is a problem that ends the reading of a file.
type stopError struct {
	row     int
	column  string
	message string
}

func (e *stopError) Error() string { return e.message }

// textEncoding is a named encoding; enc nil means UTF-8.
type textEncoding struct {
	name string
	enc  encoding.Encoding
}

func encodingByName(name string) (textEncoding, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "_", "-")) {
	case "", "auto":
		return textEncoding{}, nil
	case "utf-8", "utf8":
		return textEncoding{name: "utf-8"}, nil
	case "utf-16", "utf16":
		return textEncoding{name: "utf-16", enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)}, nil
	case "utf-16le", "utf16le":
		return textEncoding{name: "utf-16le", enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)}, nil
	case "utf-16be", "utf16be":
		return textEncoding{name: "utf-16be", enc: unicode.UTF16(unicode.BigEndian, unicode.UseBOM)}, nil
	case "windows-1252", "cp1252", "1252":
		return textEncoding{name: "windows-1252", enc: charmap.Windows1252}, nil
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
		return textEncoding{name: "iso-8859-1", enc: charmap.ISO8859_1}, nil
	}
	return textEncoding{}, fmt.Errorf("%w: --encoding %q: use utf-8, utf-16 or windows-1252", ErrUsage, name)
}

const odsAdvice = "is an OpenDocument spreadsheet (.ods), which bulk does not read: save it as .xlsx or as CSV UTF-8"

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
)

// openTable opens a CSV file or a workbook, chosen by content first (a
// workbook saved as .csv is still a workbook) and extension second. A
// problem that prevents reading is returned as stop; err is for I/O.
func (l *loader) openTable(path string, opts Options) (t table, stop *Problem, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading manifest: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(8 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		f.Close()
		return nil, nil, fmt.Errorf("reading manifest %s: %w", path, err)
	}
	fileProblem := func(msg string) (table, *Problem, error) {
		f.Close()
		return nil, &Problem{File: path, Message: msg}, nil
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case bytes.HasPrefix(head, zipMagic):
		f.Close() // the workbook reader opens it again, to read the zip directory
		t, stop := openXLSX(path, opts, l.lim)
		if stop != nil {
			return nil, stop, nil
		}
		return t, nil, nil
	case bytes.HasPrefix(head, oleMagic):
		if isEncryptedWorkbook(br, l.lim.MaxXLSXBytes) {
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
	ct, stop := newCSVTable(path, f, br, head, opts, l.lim)
	if stop != nil {
		f.Close()
		return nil, stop, nil
	}
	return ct, nil, nil
}

// csvTable reads a CSV file one record at a time.
type csvTable struct {
	f io.Closer
	s *csvScanner
}

func newCSVTable(path string, f io.Closer, br *bufio.Reader, head []byte, opts Options, lim Limits) (*csvTable, *Problem) {
	te, _ := encodingByName(opts.Encoding) // checked by newLoader
	var src io.Reader = br
	checkUTF8 := te.enc == nil
	switch {
	case te.enc != nil:
		src = transform.NewReader(br, te.enc.NewDecoder())
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		if te.name == "" {
			src = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
			checkUTF8 = false
		}
	}
	if checkUTF8 && bytes.IndexByte(head, 0) >= 0 {
		return nil, &Problem{File: path, Message: "holds binary data (NUL bytes), not CSV text: a CSV, .xlsx or YAML manifest was expected " +
			"(for a UTF-16 file without a byte-order mark, use --encoding utf-16)"}
	}
	dec := bufio.NewReaderSize(src, 64<<10)
	// A BOM may remain after decoding (UTF-8 with --encoding utf-8).
	if b, err := dec.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		dec.Discard(3)
	}
	// Classic Mac OS line ends (CR alone), as old Excel for Mac saves CSV:
	// read as lines, not as one long record.
	if b, _ := dec.Peek(64 << 10); bytes.IndexByte(b, '\r') >= 0 && bytes.IndexByte(b, '\n') < 0 {
		dec = bufio.NewReaderSize(crToLF{dec}, 64<<10)
	}
	delim := opts.Delimiter
	if delim == 0 {
		delim = sniffDelimiter(dec)
	}
	return &csvTable{f: f, s: newCSVScanner(dec, byte(delim), maxRecordBytes(lim), checkUTF8)}, nil
}

// crToLF turns every CR into LF, for files whose lines end in CR alone
// (a line break inside a quoted cell too).
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// sniffDelimiter picks the delimiter that appears most often, outside
// quotes, in the header line: Excel in many European locales saves CSV
// with ";", and tab-separated exports are common.
func sniffDelimiter(r *bufio.Reader) rune {
	b, _ := r.Peek(64 << 10)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	counts := map[byte]int{}
	inQuote := false
	for _, c := range b {
		switch c {
		case '"':
			inQuote = !inQuote
		case ',', ';', '\t', '|':
			if !inQuote {
				counts[c]++
			}
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t', '|'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

func (t *csvTable) Next() ([]string, error) {
	rec, err := t.s.Next()
	if err == nil || err == io.EOF {
		return rec, err
	}
	var ce *csvError
	var ue *utf8Error
	switch {
	case errors.As(err, &ue):
		return nil, err
	case errors.Is(err, errRecordTooLong):
		return nil, &stopError{row: t.s.row, message: err.Error()}
	case errors.As(err, &ce):
		return nil, &stopError{row: t.s.row, message: ce.Error() + " (a quote inside a cell must be doubled, and the whole cell quoted)"}
	}
	return nil, err
}

func (t *csvTable) Row() int { return t.s.row }

// Meta: a CSV cell is text.
func (t *csvTable) Meta() []cellMeta { return nil }

// CheckUTF8: the scanner checks each record itself.
func (t *csvTable) CheckUTF8() bool { return false }
func (t *csvTable) Close() error    { return t.f.Close() }

var errRecordTooLong = errors.New("a record is longer than the limit (an unclosed quote?)")
