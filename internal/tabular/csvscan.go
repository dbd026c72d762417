package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// csvScanner reads RFC 4180 CSV as encoding/csv does with FieldsPerRecord
// -1 and strict quotes (a fuzz test holds it to that), and also:
//   - bounds the bytes of a record, so an unclosed quote or a giant cell
//     ends in an error rather than in one string growing without limit;
//   - counts spreadsheet rows, blank lines included, which encoding/csv
//     skips without a trace;
//   - checks UTF-8 once per record rather than once per cell;
//   - makes one string per record (cells are slices of it) and finds
//     lines, quotes and separators with bytes.IndexByte.
//
// It exists because validation must keep up with a plain encoding/csv read
// of the same file; everything it does beyond encoding/csv is what the
// reader would otherwise do in a second pass.
type csvScanner struct {
	r         io.Reader
	buf       []byte
	pos, end  int // unread bytes are buf[pos:end]
	eof       bool
	readErr   error
	comma     byte
	maxRecord int
	checkUTF8 bool

	line   int // lines consumed
	row    int // spreadsheet row of the last record
	fields []string
	field  []byte // a quoted record's text, unquoted
	ends   []int  // ends of the fields in field
}

// csvError is a syntax problem, as encoding/csv reports them.
type csvError struct {
	line, column int
	err          error
}

func (e *csvError) Error() string {
	return fmt.Sprintf("CSV syntax error on line %d, column %d: %v", e.line, e.column, e.err)
}

var (
	errBareQuote = errors.New(`bare " in non-quoted field`)
	errQuote     = errors.New(`extraneous or missing " in quoted field`)
	errUnclosed  = errors.New(`the quote that opens this cell is never closed`)
)

func newCSVScanner(r io.Reader, comma byte, maxRecord int, checkUTF8 bool) *csvScanner {
	return &csvScanner{r: r, buf: make([]byte, 64<<10), comma: comma, maxRecord: maxRecord, checkUTF8: checkUTF8}
}

// readLine returns the next line without its "\n" (and without a "\r"
// before it), or io.EOF. The slice is valid until the next call.
func (s *csvScanner) readLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			line := s.buf[s.pos : s.pos+i]
			s.pos += i + 1
			s.line++
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		if s.eof {
			if s.pos == s.end {
				if s.readErr != nil {
					return nil, s.readErr
				}
				return nil, io.EOF
			}
			line := s.buf[s.pos:s.end]
			s.pos = s.end
			s.line++
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		if err := s.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more input, making room by moving the unread bytes to the
// front or, for a long line, by growing the buffer up to the record limit.
func (s *csvScanner) fill() error {
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) > s.maxRecord {
			return fmt.Errorf("%w: more than %d bytes", errRecordTooLong, s.maxRecord)
		}
		nb := make([]byte, min(2*len(s.buf), s.maxRecord+1))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err != nil {
		s.eof = true
		if err != io.EOF {
			s.readErr = err
		}
	}
	return nil
}

// Next returns the next record; the slice is reused by the next call.
func (s *csvScanner) Next() ([]string, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			s.row++ // a blank line: a row of the spreadsheet, no record
			continue
		}
		s.row++
		if len(line) > s.maxRecord {
			return nil, fmt.Errorf("%w: more than %d bytes", errRecordTooLong, s.maxRecord)
		}
		if bytes.IndexByte(line, '"') < 0 {
			return s.plain(line)
		}
		if rec, ok, err := s.simpleQuoted(line); ok {
			return rec, err
		}
		return s.quoted(line)
	}
}

// plain splits a record without quotes.
func (s *csvScanner) plain(line []byte) ([]string, error) {
	str := string(line)
	s.fields = s.fields[:0]
	for {
		i := strings.IndexByte(str, s.comma)
		if i < 0 {
			s.fields = append(s.fields, str)
			break
		}
		s.fields = append(s.fields, str[:i])
		str = str[i+1:]
	}
	if s.checkUTF8 && !utf8.Valid(line) {
		return nil, s.badUTF8()
	}
	return s.fields, nil
}

// simpleQuoted handles the common record with quotes: on one line, no
// doubled quotes, every quote closing before a separator or the end. Its
// cells are slices of one string, as for a plain record; anything else is
// left to quoted (ok false), which also reports the errors.
func (s *csvScanner) simpleQuoted(line []byte) ([]string, bool, error) {
	s.ends = s.ends[:0] // pairs: start, end of each cell in line
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			j := bytes.IndexByte(line[i+1:], '"')
			if j < 0 {
				return nil, false, nil // goes on to the next line
			}
			end := i + 1 + j
			if end+1 < len(line) && line[end+1] != s.comma {
				return nil, false, nil // a doubled quote, or text after the quote
			}
			s.ends = append(s.ends, i+1, end)
			i = end + 1
		} else {
			j := bytes.IndexByte(line[i:], s.comma)
			end := len(line)
			if j >= 0 {
				end = i + j
			}
			if bytes.IndexByte(line[i:end], '"') >= 0 {
				return nil, false, nil // a bare quote: quoted reports it
			}
			s.ends = append(s.ends, i, end)
			i = end
		}
		if i >= len(line) {
			break
		}
		i++ // the separator
		if i == len(line) {
			s.ends = append(s.ends, i, i) // a last, empty cell
			break
		}
	}
	str := string(line)
	s.fields = s.fields[:0]
	for k := 0; k < len(s.ends); k += 2 {
		s.fields = append(s.fields, str[s.ends[k]:s.ends[k+1]])
	}
	if s.checkUTF8 && !utf8.ValidString(str) {
		return nil, true, s.badUTF8()
	}
	return s.fields, true, nil
}

// quoted parses a record with quotes, reading more lines while a quoted
// field goes on.
func (s *csvScanner) quoted(line []byte) ([]string, error) {
	s.field = s.field[:0]
	s.ends = s.ends[:0]
	col := 0 // byte position in line, for errors
	for {
		// At the start of a field.
		if len(line) > 0 && line[0] == '"' {
			openLine, openCol := s.line, col+1
			line = line[1:]
			col++
			for {
				i := bytes.IndexByte(line, '"')
				if i < 0 {
					// The quoted field goes on to the next line.
					s.field = append(s.field, line...)
					s.field = append(s.field, '\n')
					if len(s.field) > s.maxRecord {
						return nil, fmt.Errorf("%w: more than %d bytes", errRecordTooLong, s.maxRecord)
					}
					next, err := s.readLine()
					if err != nil {
						if err == io.EOF {
							return nil, &csvError{line: openLine, column: openCol, err: errUnclosed}
						}
						return nil, err
					}
					line, col = next, 0
					continue
				}
				s.field = append(s.field, line[:i]...)
				line = line[i+1:]
				col += i + 1
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					s.field = append(s.field, '"')
					line = line[1:]
					col++
					continue
				case len(line) > 0 && line[0] == s.comma:
					line = line[1:]
					col++
					s.ends = append(s.ends, len(s.field))
				case len(line) == 0:
					s.ends = append(s.ends, len(s.field))
					return s.finish()
				default:
					return nil, &csvError{line: s.line, column: col + 1, err: errQuote}
				}
				break
			}
			continue
		}
		// An unquoted field.
		i := bytes.IndexByte(line, s.comma)
		cell := line
		if i >= 0 {
			cell = line[:i]
		}
		if q := bytes.IndexByte(cell, '"'); q >= 0 {
			return nil, &csvError{line: s.line, column: col + q + 1, err: errBareQuote}
		}
		s.field = append(s.field, cell...)
		s.ends = append(s.ends, len(s.field))
		if i < 0 {
			return s.finish()
		}
		line = line[i+1:]
		col += i + 1
	}
}

func (s *csvScanner) finish() ([]string, error) {
	if len(s.field) > s.maxRecord {
		return nil, fmt.Errorf("%w: more than %d bytes", errRecordTooLong, s.maxRecord)
	}
	str := string(s.field)
	s.fields = s.fields[:0]
	start := 0
	for _, e := range s.ends {
		s.fields = append(s.fields, str[start:e])
		start = e
	}
	if s.checkUTF8 && !utf8.Valid(s.field) {
		return nil, s.badUTF8()
	}
	return s.fields, nil
}

// badUTF8 names the first cell of the record that is not valid UTF-8.
func (s *csvScanner) badUTF8() error {
	for i, c := range s.fields {
		if !utf8.ValidString(c) {
			return &UTF8Error{Row: s.row, Col: i, Cell: c}
		}
	}
	return &UTF8Error{Row: s.row}
}
