package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// csvTable reads a CSV file one record at a time.
type csvTable struct {
	f io.Closer
	s *csvScanner
}

func newCSVTable(f io.Closer, br *bufio.Reader, head []byte, opts Options) (*csvTable, *Problem) {
	te, _ := ParseEncoding(opts.Encoding) // checked by the caller
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
		return nil, &Problem{Message: "holds binary data (NUL bytes), not CSV text: a CSV, .xlsx or YAML manifest was expected " +
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
	return &csvTable{f: f, s: newCSVScanner(dec, byte(delim), maxRecordBytes(opts), checkUTF8)}, nil
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
	var ue *UTF8Error
	switch {
	case errors.As(err, &ue):
		return nil, err
	case errors.Is(err, errRecordTooLong):
		return nil, &Problem{Row: t.s.row, Message: err.Error()}
	case errors.As(err, &ce):
		return nil, &Problem{Row: t.s.row, Message: ce.Error() + " (a quote inside a cell must be doubled, and the whole cell quoted)"}
	}
	return nil, err
}

func (t *csvTable) Row() int { return t.s.row }

// Meta: a CSV cell is text.
func (t *csvTable) Meta() []Cell { return nil }

// CheckUTF8: the scanner checks each record itself.
func (t *csvTable) CheckUTF8() bool { return false }
func (t *csvTable) Close() error    { return t.f.Close() }

var errRecordTooLong = errors.New("a record is longer than the limit (an unclosed quote?)")
