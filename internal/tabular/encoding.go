package tabular

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Encoding is a text encoding, by name; enc nil means UTF-8.
type Encoding struct {
	name string
	enc  encoding.Encoding
}

// SingleByte reports an encoding of one byte per character (Windows-1252,
// Latin-1): UTF-8 text decoded with it becomes mojibake.
func (e Encoding) SingleByte() bool { return e.name == "windows-1252" || e.name == "iso-8859-1" }

// ParseEncoding reads an encoding's name: "" or auto (a byte-order mark,
// else UTF-8), utf-8, utf-16 (le, be), windows-1252 (cp1252), latin1
// (iso-8859-1).
func ParseEncoding(name string) (Encoding, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "_", "-")) {
	case "", "auto":
		return Encoding{}, nil
	case "utf-8", "utf8":
		return Encoding{name: "utf-8"}, nil
	case "utf-16", "utf16":
		return Encoding{name: "utf-16", enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)}, nil
	case "utf-16le", "utf16le":
		return Encoding{name: "utf-16le", enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)}, nil
	case "utf-16be", "utf16be":
		return Encoding{name: "utf-16be", enc: unicode.UTF16(unicode.BigEndian, unicode.UseBOM)}, nil
	case "windows-1252", "cp1252", "1252":
		return Encoding{name: "windows-1252", enc: charmap.Windows1252}, nil
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
		return Encoding{name: "iso-8859-1", enc: charmap.ISO8859_1}, nil
	}
	return Encoding{}, fmt.Errorf("unknown encoding %q: use utf-8, utf-16 or windows-1252", name)
}
