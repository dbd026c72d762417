package manifest

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// xmlBound is an io.Writer that reads XML as it is unzipped and fails as
// soon as one element of a kind (a sheet's row, a shared string), or one
// token outside them, is longer than a limit. excelize reads those one at
// a time, but whole, with its copies: a single cell of 300 MB takes it
// about 2 GB.
//
// It also fails on what would make excelize's row reader stop early
// without a word, losing the rows after it: text that is not UTF-8, a
// control character, a document that ends before its root element does.
// Otherwise it only tells tokens apart (tags with their quoted attributes,
// comments, CDATA, processing instructions, declarations): whether the XML
// is well formed is the decoder's business.
type xmlBound struct {
	elem     string // local name of the bounded elements
	limit    int64  // bytes of one such element, or of one token outside them
	maxElems int64  // 0: any number
	elems    int64
	pos      int64 // bytes written
	segStart int64 // where the element or token being read began
	inElem   bool
	state    uint8
	quote    byte   // in a tag: the quote of the attribute being read
	name     []byte // the name of the tag being read (its first 64 bytes)
	endTag   bool
	slash    bool   // the last character of the tag so far was "/"
	pre      []byte // after "<!": what says comment, CDATA or declaration
	tail     uint32 // the last bytes, for the ends of comments, CDATA and PIs
	depth    int    // "<" nesting inside a declaration
	open     int    // elements open
	root     bool   // an element was read
	head     []byte // the first bytes, until the encoding is known
	decided  bool   // the encoding is known
	notUTF8  bool   // the declaration names another encoding
	carry    []byte // the start of a character cut by the end of a write
	err      error
}

const (
	xsText uint8 = iota
	xsLT         // after "<"
	xsBang       // after "<!"
	xsComment
	xsCDATA
	xsPI
	xsDecl
	xsName // a tag's name
	xsTag  // the rest of a tag
)

var cdataOpen = []byte("[CDATA[")

func newXMLBound(elem string, limit, maxElems int64) *xmlBound {
	return &xmlBound{elem: elem, limit: limit, maxElems: maxElems}
}

func (x *xmlBound) Write(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	if x.checkChars(p); x.err != nil {
		return 0, x.err
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch x.state {
		case xsText:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j
			if !x.inElem {
				if x.check(x.pos + int64(i)); x.err != nil {
					return i, x.err
				}
				x.segStart = x.pos + int64(i)
			}
			x.state = xsLT
		case xsLT:
			switch c {
			case '!':
				x.state, x.pre = xsBang, x.pre[:0]
			case '?':
				x.state, x.tail = xsPI, 0
			case '/':
				x.state, x.endTag, x.name = xsName, true, x.name[:0]
			default:
				x.state, x.endTag, x.name = xsName, false, append(x.name[:0], c)
			}
		case xsBang:
			x.pre = append(x.pre, c)
			switch {
			case len(x.pre) == 2 && string(x.pre) == "--":
				x.state, x.tail = xsComment, 0
			case bytes.Equal(x.pre, cdataOpen):
				x.state, x.tail = xsCDATA, 0
			case len(x.pre) == 1 && c == '-', bytes.HasPrefix(cdataOpen, x.pre):
			default:
				x.state, x.depth = xsDecl, 0
				i-- // the byte is the declaration's
			}
		case xsComment, xsCDATA, xsPI:
			x.tail = x.tail<<8 | uint32(c)
			if (x.state == xsComment && x.tail&0xFFFFFF == '-'<<16|'-'<<8|'>') ||
				(x.state == xsCDATA && x.tail&0xFFFFFF == ']'<<16|']'<<8|'>') ||
				(x.state == xsPI && x.tail&0xFFFF == '?'<<8|'>') {
				x.state = xsText
			}
		case xsDecl:
			switch c {
			case '<':
				x.depth++
			case '>':
				if x.depth == 0 {
					x.state = xsText
				} else {
					x.depth--
				}
			}
		case xsName:
			switch c {
			case ' ', '\t', '\r', '\n', '/', '>':
				x.state, x.quote, x.slash = xsTag, 0, false
				i-- // read again as part of the tag
			default:
				if len(x.name) < 64 {
					x.name = append(x.name, c)
				}
			}
		case xsTag:
			switch {
			case x.quote != 0:
				if c == x.quote {
					x.quote = 0
				}
			case c == '"' || c == '\'':
				x.quote, x.slash = c, false
			case c == '>':
				x.state = xsText
				x.endOfTag(x.pos + int64(i) + 1)
				if x.err != nil {
					return i, x.err
				}
			case c == '/':
				x.slash = true
			case c != ' ' && c != '\t' && c != '\r' && c != '\n':
				x.slash = false
			}
		}
	}
	x.pos += int64(len(p))
	x.check(x.pos)
	if x.err != nil {
		return len(p), x.err
	}
	return len(p), nil
}

// Close reports a document cut short.
func (x *xmlBound) Close() error {
	if x.err == nil && !x.decided {
		x.decided = true
		if !declaresOtherEncoding(x.head) {
			x.checkUTF8(x.head, 0)
		}
	}
	switch {
	case x.err != nil:
	case len(x.carry) > 0:
		x.err = &damagedXML{"ends in the middle of a character"}
	case !x.root || x.open > 0 || x.state != xsText:
		x.err = &damagedXML{"ends before its XML does"}
	}
	return x.err
}

// checkChars fails on text that is not UTF-8 (unless the declaration says
// otherwise) and on the control characters XML does not allow.
func (x *xmlBound) checkChars(p []byte) {
	for i, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			x.err = &damagedXML{fmt.Sprintf("has the control character 0x%02X at byte %d, which XML does not allow", c, x.pos+int64(i))}
			return
		}
	}
	base := x.pos
	if !x.decided {
		// The declaration, if any, says the encoding: until it is read, the
		// bytes wait.
		x.head = append(x.head, p...)
		if len(x.head) < 256 && !bytes.Contains(x.head, []byte("?>")) &&
			(len(x.head) < 5 || bytes.HasPrefix(x.head, []byte("<?xml"))) {
			return
		}
		x.decided = true
		x.notUTF8 = declaresOtherEncoding(x.head)
		p, base, x.head = x.head, 0, nil
	}
	if !x.notUTF8 {
		x.checkUTF8(p, base)
	}
}

// checkUTF8 checks p, which starts at byte base of the document.
func (x *xmlBound) checkUTF8(p []byte, base int64) {
	if len(x.carry) > 0 {
		// Complete the character the last write cut.
		start := base - int64(len(x.carry))
		n := min(len(p), utf8.UTFMax-len(x.carry))
		b := append(x.carry, p[:n]...)
		if !utf8.FullRune(b) {
			x.carry = b
			return
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			x.err = &damagedXML{fmt.Sprintf("is not UTF-8 at byte %d", start)}
			return
		}
		p, base = p[size-len(x.carry):], start+int64(size)
		x.carry = x.carry[:0]
	}
	// A character cut by the end of p is checked with the next write.
	end := len(p)
	for k := len(p) - 1; k >= 0 && k >= len(p)-utf8.UTFMax; k-- {
		if utf8.RuneStart(p[k]) {
			if !utf8.FullRune(p[k:]) {
				end = k
			}
			break
		}
	}
	if !utf8.Valid(p[:end]) {
		for i := 0; i < end; {
			r, size := utf8.DecodeRune(p[i:end])
			if r == utf8.RuneError && size == 1 {
				x.err = &damagedXML{fmt.Sprintf("is not UTF-8 at byte %d", base+int64(i))}
				return
			}
			i += size
		}
	}
	x.carry = append(x.carry[:0], p[end:]...)
}

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
	e := strings.ToLower(string(enc))
	return e != "utf-8" && e != "utf8"
}

// endOfTag is called after a tag's ">", at position end.
func (x *xmlBound) endOfTag(end int64) {
	switch {
	case x.endTag:
		if x.open--; x.open < 0 {
			x.err = &damagedXML{"has an end tag without its start"}
			return
		}
	case !x.slash:
		x.open++
		x.root = true
	default:
		x.root = true
	}
	name := x.name
	if k := bytes.LastIndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	if string(name) != x.elem {
		return
	}
	switch {
	case x.endTag:
		x.check(end)
		x.inElem = false
	case x.inElem: // not well formed; the element goes on
	default:
		x.elems++
		if x.maxElems > 0 && x.elems > x.maxElems {
			x.err = &boundError{fmt.Sprintf("has more than %d %s elements", x.maxElems, x.elem)}
			return
		}
		x.inElem = !x.slash
	}
}

// check fails when what was read since segStart, up to pos, is too long.
func (x *xmlBound) check(pos int64) {
	if x.err == nil && pos-x.segStart > x.limit {
		what := "a token"
		if x.inElem {
			what = fmt.Sprintf("%s element %d", x.elem, x.elems)
		}
		x.err = &boundError{fmt.Sprintf("has %s of more than %d bytes", what, x.limit)}
	}
}

// boundError is XML beyond the bounds of an xmlBound.
type boundError struct{ what string }

func (e *boundError) Error() string { return e.what }

// damagedXML is XML that excelize would stop reading at, without a word.
type damagedXML struct{ what string }

func (e *damagedXML) Error() string { return e.what }
