package manifest

import (
	"strings"
	"testing"
)

func TestXMLBound(t *testing.T) {
	big := strings.Repeat("x", 100)
	cases := []struct {
		name     string
		xml      string
		limit    int64
		maxElems int64
		want     string // the error, "" for none
	}{
		{name: "small rows", xml: `<sheetData><row r="1"><c><v>1</v></c></row><row/></sheetData>`, limit: 40},
		{name: "a long row", xml: `<row><c><v>` + big + `</v></c></row>`, limit: 40, want: "has row element 1 of more than 40 bytes"},
		{name: "the second row", xml: `<row></row><x:row><c>` + big + `</c></x:row>`, limit: 40, want: "has row element 2 of more than 40 bytes"},
		{name: "many short rows make no long one", xml: strings.Repeat(`<row><c><v>12345</v></c></row>`, 20), limit: 40},
		{name: "a long text outside rows", xml: `<a>` + big + `</a><row/>`, limit: 40, want: "has a token of more than 40 bytes"},
		{name: "a long comment", xml: `<!--` + big + `-->`, limit: 40, want: "has a token of more than 40 bytes"},
		{name: "a long attribute", xml: `<a b="` + big + `"/>`, limit: 40, want: "has a token of more than 40 bytes"},
		{name: "row in a comment", xml: `<row><!-- </row> --><v>` + big + `</v></row>`, limit: 40, want: "has row element 1 of more than 40 bytes"},
		{name: "row in CDATA", xml: `<row><![CDATA[</row>]]><v>` + big + `</v></row>`, limit: 40, want: "has row element 1 of more than 40 bytes"},
		{name: "> in an attribute", xml: `<row a="</row>" b='>'><v>` + big + `</v></row>`, limit: 40, want: "has row element 1 of more than 40 bytes"},
		{name: "declaration and PI", xml: `<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "b">]><row/>`, limit: 60},
		{name: "a row ends in a PI", xml: `<row><?p </row> ?><v>` + big + `</v></row>`, limit: 40, want: "has row element 1 of more than 40 bytes"},
		{name: "self-closing row", xml: `<row r="1"/>` + strings.Repeat(`<c/>`, 30), limit: 40},
		{name: "too many", xml: strings.Repeat(`<row/>`, 4), limit: 40, maxElems: 3, want: "has more than 3 row elements"},
		{name: "enough", xml: strings.Repeat(`<row/>`, 3), limit: 40, maxElems: 3},
		{name: "garbage", xml: "<<<!-<![CDAT<!x>>>/>\x00<\xff", limit: 40, want: "has the control character 0x00 at byte 20, which XML does not allow"},
		{name: "cut short", xml: `<sheetData><row r="1"><c><v>1</v></c></row>`, limit: 40, want: "ends before its XML does"},
		{name: "cut in a tag", xml: `<a></a><b`, limit: 40, want: "ends before its XML does"},
		{name: "empty", xml: ``, limit: 40, want: "ends before its XML does"},
		{name: "an end tag too many", xml: `<a></a></b>`, limit: 40, want: "has an end tag without its start"},
		{name: "a control character", xml: "<a>x\x01</a>", limit: 40, want: "has the control character 0x01 at byte 4, which XML does not allow"},
		{name: "tab, newline and return", xml: "<a>\tx\r\n</a>", limit: 40},
		{name: "not UTF-8", xml: "<a>caf\xe9</a>", limit: 40, want: "is not UTF-8 at byte 6"},
		{name: "cut in a character", xml: "<a>\xe2\x82", limit: 40, want: "ends in the middle of a character"},
		{name: "UTF-8 across writes", xml: "<a>é€😀ä</a>", limit: 40},
		{name: "not UTF-8 across writes", xml: "<a>é€\xf0\x9f\x98x</a>", limit: 40, want: "is not UTF-8 at byte 8"},
		{name: "short", xml: "<a/>", limit: 40},
		{name: "another encoding declared", xml: `<?xml version="1.0" encoding="ISO-8859-1"?>` + "<a>caf\xe9</a>", limit: 60},
		{name: "UTF-8 declared", xml: `<?xml version="1.0" encoding='UTF-8'?>` + "<a>caf\xe9</a>", limit: 60, want: "is not UTF-8 at byte 44"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Whole, and a byte at a time: the same answer.
			for _, chunk := range []int{max(len(c.xml), 1), 1, 7} {
				x := newXMLBound("row", c.limit, c.maxElems)
				var err error
				for i := 0; i < len(c.xml) && err == nil; i += chunk {
					_, err = x.Write([]byte(c.xml[i:min(i+chunk, len(c.xml))]))
				}
				if err == nil {
					err = x.Close()
				}
				got := ""
				if err != nil {
					got = err.Error()
				}
				if got != c.want {
					t.Errorf("in chunks of %d: %q, want %q", chunk, got, c.want)
				}
			}
		})
	}
}
