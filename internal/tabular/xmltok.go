package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlTokens reads the XML of a workbook part one token at a time, keeping
// only the current token: a start tag with its attributes, an end tag, or a
// run of text (entities decoded, CDATA included). It is what the workbook
// reader needs of XML and no more, written for it because a general decoder
// costs an allocation per token and reads a large sheet at a tenth of the
// speed, and because every token must be bounded: no tag or text longer
// than limit, no nesting deeper than xmlMaxDepth.
//
// It fails on what would make a reader lose rows without a word: text that
// is not UTF-8, a control character, an end tag that does not match, a
// document that ends early, and on a DOCTYPE, which Excel never writes and
// which is how entity bombs come.
type xmlTokens struct {
	r     *bufio.Reader
	limit int

	kind      tokKind
	name      []byte // local name of the tag
	selfClose bool
	attrs     []xmlAttr
	text      []byte

	stack [][]byte // names of the open elements
	root  bool     // the root element was read
	raw   []byte   // the tag being read, before it is split
}

type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
)

type xmlAttr struct{ name, value []byte }

const xmlMaxDepth = 64

func newXMLTokens(r io.Reader, limit int) *xmlTokens {
	return &xmlTokens{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// damagedXML is XML a workbook reader cannot trust.
type damagedXML struct{ what string }

func (e *damagedXML) Error() string { return e.what }

// boundError is XML beyond the reader's bounds.
type boundError struct{ what string }

func (e *boundError) Error() string { return e.what }

func damaged(format string, args ...any) error { return &damagedXML{fmt.Sprintf(format, args...)} }

// next reads the next token; io.EOF after the root element has ended.
func (x *xmlTokens) next() error {
	for {
		c, err := x.r.ReadByte()
		if err == io.EOF {
			if !x.root || len(x.stack) > 0 {
				return damaged("ends before its XML does")
			}
			return io.EOF
		}
		if err != nil {
			return err
		}
		if c != '<' {
			x.r.UnreadByte()
			if err := x.readText(); err != nil {
				return err
			}
			if len(x.stack) == 0 {
				if len(bytes.TrimSpace(x.text)) > 0 {
					return damaged("has text outside its root element")
				}
				continue
			}
			x.kind = tokText
			return nil
		}
		b, err := x.r.ReadByte()
		if err != nil {
			return damaged("ends before its XML does")
		}
		switch b {
		case '?':
			if err := x.skipPI(); err != nil {
				return err
			}
		case '!':
			if done, err := x.bang(); err != nil || done {
				return err
			}
		case '/':
			return x.endTag()
		default:
			x.r.UnreadByte()
			return x.startTag()
		}
	}
}

// readText reads up to the next "<", decoding entities.
func (x *xmlTokens) readText() error {
	x.text = x.text[:0]
	for {
		chunk, err := x.r.ReadSlice('<')
		n := len(chunk)
		if err == nil {
			n-- // the "<" is the next token's
		}
		x.text = append(x.text, chunk[:n]...)
		if len(x.text) > x.limit {
			return &boundError{fmt.Sprintf("has text of more than %d bytes", x.limit)}
		}
		switch {
		case err == nil:
			x.r.UnreadByte()
			return x.decodeText()
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			return x.decodeText()
		default:
			return err
		}
	}
}

func (x *xmlTokens) decodeText() error {
	if err := checkXMLChars(x.text); err != nil {
		return err
	}
	if bytes.IndexByte(x.text, '&') >= 0 {
		out, err := decodeEntities(x.text[:0:0], x.text)
		if err != nil {
			return err
		}
		x.text = out
	}
	return nil
}

// checkXMLChars fails on text that is not UTF-8 or holds a character XML
// does not allow.
func checkXMLChars(b []byte) error {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return damaged("has the control character 0x%02X, which XML does not allow", c)
		}
	}
	if !utf8.Valid(b) {
		return damaged("is not UTF-8")
	}
	return nil
}

// decodeEntities appends s to dst with the five XML entities and character
// references decoded.
func decodeEntities(dst, s []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...), nil
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		j := bytes.IndexByte(s, ';')
		if j < 0 || j > 12 {
			return nil, damaged("has an unfinished entity")
		}
		ent := s[1:j]
		s = s[j+1:]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return nil, damaged("has the unknown entity &%s;", ent)
			}
			var n uint64
			var err error
			if ent[1] == 'x' || ent[1] == 'X' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			r := rune(n)
			if err != nil || !utf8.ValidRune(r) || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
				return nil, damaged("has the character reference &%s;, which XML does not allow", ent)
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
}

// readUntil reads up to and including end, bounded by limit.
func (x *xmlTokens) readUntil(end []byte) ([]byte, error) {
	x.raw = x.raw[:0]
	last := end[len(end)-1]
	for {
		chunk, err := x.r.ReadSlice(last)
		x.raw = append(x.raw, chunk...)
		if len(x.raw) > x.limit {
			return nil, &boundError{fmt.Sprintf("has a token of more than %d bytes", x.limit)}
		}
		switch {
		case err == nil:
			if bytes.HasSuffix(x.raw, end) {
				return x.raw, nil
			}
		case errors.Is(err, bufio.ErrBufferFull):
		case err == io.EOF:
			return nil, damaged("ends before its XML does")
		default:
			return nil, err
		}
	}
}

// skipPI skips a processing instruction; the XML declaration must not name
// an encoding other than UTF-8.
func (x *xmlTokens) skipPI() error {
	pi, err := x.readUntil([]byte("?>"))
	if err != nil {
		return err
	}
	if bytes.HasPrefix(pi, []byte("xml ")) && declaresOtherEncoding(append([]byte("<?"), pi...)) {
		return damaged("is not UTF-8 (its declaration names another encoding)")
	}
	return checkXMLChars(pi)
}

// bang reads what follows "<!": a comment (skipped), CDATA (returned as
// text: done) or a declaration (refused).
func (x *xmlTokens) bang() (done bool, err error) {
	head, err := x.r.Peek(2)
	if err != nil {
		return false, damaged("ends before its XML does")
	}
	if string(head) == "--" {
		_, err := x.readUntil([]byte("-->"))
		return false, err
	}
	if h, err := x.r.Peek(7); err == nil && string(h) == "[CDATA[" {
		x.r.Discard(7)
		body, err := x.readUntil([]byte("]]>"))
		if err != nil {
			return false, err
		}
		if len(x.stack) == 0 {
			return false, damaged("has text outside its root element")
		}
		x.text = append(x.text[:0], body[:len(body)-3]...)
		if err := checkXMLChars(x.text); err != nil {
			return false, err
		}
		x.kind = tokText
		return true, nil
	}
	return false, damaged("has a DOCTYPE or another declaration, which Excel never writes")
}

func (x *xmlTokens) endTag() error {
	raw, err := x.readUntil([]byte(">"))
	if err != nil {
		return err
	}
	name := localName(bytes.TrimSpace(raw[:len(raw)-1]))
	if len(x.stack) == 0 {
		return damaged("has an end tag without its start")
	}
	top := x.stack[len(x.stack)-1]
	if !bytes.Equal(top, name) {
		return damaged("has </%s> where </%s> was expected", name, top)
	}
	x.stack = x.stack[:len(x.stack)-1]
	x.kind, x.name, x.selfClose = tokEnd, append(x.name[:0], name...), false
	return nil
}

// startTag reads a start tag and its attributes; quoted values may hold
// ">".
func (x *xmlTokens) startTag() error {
	x.raw = x.raw[:0]
	var quote byte
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return damaged("ends before its XML does")
		}
		x.raw = append(x.raw, c)
		if len(x.raw) > x.limit {
			return &boundError{fmt.Sprintf("has a tag of more than %d bytes", x.limit)}
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return x.splitTag(x.raw[:len(x.raw)-1])
		}
	}
}

func (x *xmlTokens) splitTag(tag []byte) error {
	if err := checkXMLChars(tag); err != nil {
		return err
	}
	x.selfClose = len(tag) > 0 && tag[len(tag)-1] == '/'
	if x.selfClose {
		tag = tag[:len(tag)-1]
	}
	end := bytes.IndexAny(tag, " \t\r\n")
	if end < 0 {
		end = len(tag)
	}
	if end == 0 {
		return damaged("has a tag without a name")
	}
	if x.root && len(x.stack) == 0 {
		return damaged("has a second root element")
	}
	x.kind, x.name = tokStart, append(x.name[:0], localName(tag[:end])...)
	x.attrs = x.attrs[:0]
	rest := tag[end:]
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		eq := bytes.IndexByte(rest, '=')
		if eq <= 0 {
			return damaged("has a malformed attribute in <%s>", x.name)
		}
		name := localName(bytes.TrimRight(rest[:eq], " \t\r\n"))
		rest = bytes.TrimLeft(rest[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return damaged("has an unquoted attribute in <%s>", x.name)
		}
		q := bytes.IndexByte(rest[1:], rest[0])
		if q < 0 {
			return damaged("has an unclosed attribute in <%s>", x.name)
		}
		val := rest[1 : q+1]
		if bytes.IndexByte(val, '&') >= 0 {
			v, err := decodeEntities(nil, val)
			if err != nil {
				return err
			}
			val = v
		}
		x.attrs = append(x.attrs, xmlAttr{name: name, value: val})
		rest = rest[q+2:]
	}
	x.root = true
	if !x.selfClose {
		if len(x.stack) >= xmlMaxDepth {
			return &boundError{fmt.Sprintf("is nested more than %d elements deep", xmlMaxDepth)}
		}
		x.stack = append(x.stack, append([]byte(nil), x.name...))
	}
	return nil
}

func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// attr returns the value of the current start tag's attribute (by local
// name).
func (x *xmlTokens) attr(name string) ([]byte, bool) {
	for _, a := range x.attrs {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

func (x *xmlTokens) is(name string) bool { return string(x.name) == name }

// depth is how many elements are open (a start tag counts once read).
func (x *xmlTokens) depth() int { return len(x.stack) }

// declaresOtherEncoding reports whether the XML declaration at the start
// of p names an encoding other than UTF-8.
func declaresOtherEncoding(p []byte) bool {
	if !bytes.HasPrefix(p, []byte("<?xml")) {
		return false
	}
	decl := p
	if k := bytes.Index(p, []byte("?>")); k >= 0 {
		decl = p[:k]
	}
	_, enc, ok := bytes.Cut(decl, []byte("encoding="))
	if !ok || len(enc) < 2 {
		return false
	}
	if k := bytes.IndexByte(enc[1:], enc[0]); k >= 0 {
		enc = enc[1 : k+1]
	}
	e := string(bytes.ToLower(enc))
	return e != "utf-8" && e != "utf8"
}
