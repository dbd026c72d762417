package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// readAllScanner reads every record with csvScanner; err is the first
// error other than io.EOF.
func readAllScanner(data []byte, comma byte, maxRecord int) ([][]string, []int, error) {
	s := newCSVScanner(bytes.NewReader(data), comma, maxRecord, true)
	var recs [][]string
	var rows []int
	for {
		rec, err := s.Next()
		if err == io.EOF {
			return recs, rows, nil
		}
		if err != nil {
			return recs, rows, err
		}
		recs = append(recs, append([]string(nil), rec...))
		rows = append(rows, s.row)
	}
}

func readAllStd(data []byte, comma rune) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.FieldsPerRecord = -1
	var recs [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

func TestCSVScanner(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  [][]string
		rows  []int
		err   string
		comma byte
	}{
		{name: "plain", in: "a,b,c\n1,2,3\n", want: [][]string{{"a", "b", "c"}, {"1", "2", "3"}}, rows: []int{1, 2}},
		{name: "crlf and no final newline", in: "a,b\r\n1,2", want: [][]string{{"a", "b"}, {"1", "2"}}, rows: []int{1, 2}},
		{name: "blank lines count as rows", in: "a\n\n\r\nb\n", want: [][]string{{"a"}, {"b"}}, rows: []int{1, 4}},
		{name: "quoted newline is one row", in: "h\n\"x\r\ny\",z\nq\n", want: [][]string{{"h"}, {"x\ny", "z"}, {"q"}}, rows: []int{1, 2, 3}},
		{name: "doubled quotes", in: `"say ""hi""",b` + "\n", want: [][]string{{`say "hi"`, "b"}}, rows: []int{1}},
		{name: "empty quoted and trailing comma", in: `"",x,` + "\n", want: [][]string{{"", "x", ""}}, rows: []int{1}},
		{name: "semicolon", in: "a;b\n", comma: ';', want: [][]string{{"a", "b"}}, rows: []int{1}},
		{name: "bare quote", in: "a,b\"c\n", err: `CSV syntax error on line 1, column 4: bare " in non-quoted field`},
		{name: "text after closing quote", in: "\"a\"b,c\n", err: `CSV syntax error on line 1, column 4: extraneous or missing " in quoted field`},
		{name: "unclosed quote", in: "a\n\"b,c\nd\n", err: `CSV syntax error on line 2, column 1: the quote that opens this cell is never closed`},
		{name: "record too long", in: "a," + strings.Repeat("x", 100) + "\n", err: "a record is longer than the limit (an unclosed quote?): more than 64 bytes"},
		{name: "unclosed quote is bounded", in: "\"" + strings.Repeat("x\n", 100), err: "a record is longer than the limit (an unclosed quote?): more than 64 bytes"},
		{name: "invalid utf8", in: "a,b\nok,caf\xe9\n", want: [][]string{{"a", "b"}}, rows: []int{1}, err: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			comma := tt.comma
			if comma == 0 {
				comma = ','
			}
			recs, rows, err := readAllScanner([]byte(tt.in), comma, 64)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !reflect.DeepEqual(recs, tt.want) {
				t.Fatalf("records %q, want %q", recs, tt.want)
			}
			if tt.rows != nil && !reflect.DeepEqual(rows, tt.rows) {
				t.Fatalf("rows %v, want %v", rows, tt.rows)
			}
		})
	}
}

// FuzzCSVScanner holds csvScanner to encoding/csv: the same records, and an
// error where encoding/csv has one.
func FuzzCSVScanner(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"a\nb\",c\r\n", `"x""y",z`, "a,\"b\nc\"\n\nd", "a\"b\n", "\"a\"b\n", "\r\n\r\n", "a\r,b\r\r\n", "\"a\r\nb\"", ",,\n", "\"\"\"\""} {
		f.Add([]byte(s), byte(','))
	}
	f.Add([]byte("a;b\n\"c;d\";e"), byte(';'))
	f.Add([]byte("a\tb\n"), byte('\t'))
	f.Fuzz(func(t *testing.T, data []byte, comma byte) {
		switch comma {
		case ',', ';', '\t', '|':
		default:
			return
		}
		if !utf8.Valid(data) {
			_, _, _ = readAllScanner(data, comma, 1<<20) // must not panic
			return
		}
		want, wantErr := readAllStd(data, rune(comma))
		got, _, gotErr := readAllScanner(data, comma, 1<<20)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("input %q: encoding/csv error %v, scanner error %v", data, wantErr, gotErr)
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("input %q:\n encoding/csv %q\n scanner      %q", data, want, got)
		}
		var ce *csvError
		if gotErr != nil && !errors.As(gotErr, &ce) {
			t.Fatalf("input %q: unexpected error type %v", data, gotErr)
		}
	})
}
