package tabular

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// A workbook stores a number and a format; Excel shows the number through
// the format. A number field reads the number; a text field reads what
// Excel shows (an employee ID 123 formatted "00000" shows, and is, 00123).
// formatNumber renders the formats such cells use: digits, decimals,
// thousands, percent, literal text. What it cannot render exactly
// (fractions, scientific notation, conditions, times) it says so, and a
// text field then refuses the cell rather than guess.

// numFmtClass is what a number format does to a number.
type numFmtClass uint8

const (
	fmtGeneral numFmtClass = iota // General, or Text (@) on a number: the number as it is
	fmtNumber                     // a format formatNumber renders
	fmtDate                       // a date (and time): read as ISO 8601
	fmtOther                      // a time, a fraction, scientific...: shown differently, not rendered
)

// builtinNumFmts are the built-in number formats of ECMA-376 part 1,
// 18.8.30, in the en-US locale; the dates and times are classed apart.
var builtinNumFmts = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
	12: "# ?/?", 13: "# ??/??", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
	40: "#,##0.00;[Red](#,##0.00)", 48: "##0.0E+0", 49: "@",
	5: `"$"#,##0_);("$"#,##0)`, 6: `"$"#,##0_);[Red]("$"#,##0)`, 7: `"$"#,##0.00_);("$"#,##0.00)`, 8: `"$"#,##0.00_);[Red]("$"#,##0.00)`,
}

// builtinDateFormats are the built-in number formats that show a date: 14-17
// and 22, and the East Asian ones. Those that show only a time (18-21,
// 45-47, ...) are fmtOther.
var builtinDateFormats = map[int]bool{14: true, 15: true, 16: true, 17: true, 22: true,
	27: true, 28: true, 29: true, 30: true, 31: true, 36: true, 50: true, 51: true, 54: true, 57: true, 58: true}

// classifyNumFmt classes a format code.
func classifyNumFmt(code string) numFmtClass {
	c := strings.TrimSpace(code)
	switch {
	case c == "" || strings.EqualFold(c, "General") || c == "@":
		return fmtGeneral
	case isDateFormat(c):
		return fmtDate
	}
	if _, ok := formatNumber(1234.5, c); ok {
		if _, ok := formatNumber(-1234.5, c); ok {
			return fmtNumber
		}
	}
	return fmtOther
}

// formatGeneral writes a number as the General format does, to 15
// significant digits: 123, 12.5, 1.23456789012346E+17.
func formatGeneral(x float64) string {
	if x == 0 {
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
	if a := math.Abs(r); a >= 1e-9 && a < 1e15 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	s := strconv.FormatFloat(r, 'E', -1, 64) // 1.23456789012346E+17
	if m, e, ok := strings.Cut(s, "E"); ok && len(e) == 2 {
		s = m + "E" + e[:1] + "0" + e[1:] // E+5 -> E+05, as Excel writes it
	}
	return s
}

// splitSections splits a format code at the ";" that separate its sections.
func splitSections(code string) []string {
	var out []string
	start := 0
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			}
		case '\\':
			i++
		case '[':
			if j := strings.IndexByte(code[i:], ']'); j >= 0 {
				i += j
			}
		case ';':
			out = append(out, code[start:i])
			start = i + 1
		}
	}
	return append(out, code[start:])
}

// numTok is one piece of a number format section.
type numTok struct {
	digit byte   // '0', '#' or '?' for a digit placeholder; 0 for literal text
	text  string // the literal
}

// parseSection reads one section into tokens, noting the decimal point,
// grouping, scaling and percent; ok is false for what formatNumber does not
// render.
func parseSection(sec string) (ints, fracs []numTok, group bool, scale int, percent bool, ok bool) {
	inFrac := false
	add := func(t numTok) {
		if inFrac {
			fracs = append(fracs, t)
		} else {
			ints = append(ints, t)
		}
	}
	lastDigit := false
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		switch {
		case c == '0' || c == '#' || c == '?':
			add(numTok{digit: c})
			lastDigit = true
			continue
		case c == '.':
			if inFrac {
				return nil, nil, false, 0, false, false
			}
			inFrac = true
		case c == ',':
			// Between digits it groups thousands; after the last digit it
			// divides by a thousand.
			if lastDigit && i+1 < len(sec) && (sec[i+1] == '0' || sec[i+1] == '#' || sec[i+1] == '?') && !inFrac {
				group = true
				continue
			}
			if lastDigit {
				scale++
				continue
			}
			add(numTok{text: ","})
		case c == '%':
			percent = true
			add(numTok{text: "%"})
		case c == '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				return nil, nil, false, 0, false, false
			}
			add(numTok{text: sec[i+1 : i+1+j]})
			i += j + 1
		case c == '\\' && i+1 < len(sec):
			add(numTok{text: sec[i+1 : i+2]})
			i++
		case c == '_' && i+1 < len(sec):
			add(numTok{text: " "})
			i++
		case c == '*' && i+1 < len(sec):
			i++ // a fill character: none in text
		case c == '[':
			j := strings.IndexByte(sec[i:], ']')
			if j < 0 {
				return nil, nil, false, 0, false, false
			}
			inner := sec[i+1 : i+j]
			i += j
			switch {
			case strings.HasPrefix(inner, "$"):
				sym, _, _ := strings.Cut(inner[1:], "-")
				add(numTok{text: sym})
			case isColor(inner):
			default:
				return nil, nil, false, 0, false, false // a condition, or elapsed time
			}
		case strings.ContainsRune("$-+/():!^&'~{}<>= ", rune(c)):
			if c == '/' {
				return nil, nil, false, 0, false, false // a fraction
			}
			add(numTok{text: string(c)})
		default:
			return nil, nil, false, 0, false, false // E+, @, a date or time, General among text...
		}
		lastDigit = false
	}
	return ints, fracs, group, scale, percent, true
}

func isColor(s string) bool {
	switch strings.ToLower(s) {
	case "black", "blue", "cyan", "green", "magenta", "red", "white", "yellow":
		return true
	}
	return strings.HasPrefix(strings.ToLower(s), "color")
}

// formatNumber renders x with a number format code, as Excel shows it; ok is
// false for a format it does not render.
func formatNumber(x float64, code string) (string, bool) {
	secs := splitSections(code)
	if len(secs) > 4 {
		return "", false
	}
	sec, sign := secs[0], ""
	switch {
	case x < 0 && len(secs) >= 2:
		sec, x = secs[1], -x
	case x < 0:
		sign, x = "-", -x
	case x == 0 && len(secs) >= 3:
		sec = secs[2]
	}
	if strings.EqualFold(strings.TrimSpace(sec), "General") {
		return sign + formatGeneral(x), true
	}
	ints, fracs, group, scale, percent, ok := parseSection(sec)
	if !ok || math.IsInf(x, 0) || math.IsNaN(x) {
		return "", false
	}
	if percent {
		x *= 100
	}
	for range scale {
		x /= 1000
	}
	decimals := 0
	for _, t := range fracs {
		if t.digit != 0 {
			decimals++
		}
	}
	digits := strconv.FormatFloat(x, 'f', decimals, 64)
	intPart, fracPart, _ := strings.Cut(digits, ".")
	if intPart == "0" {
		intPart = "" // "#.00" shows .50; a "0" placeholder puts the zero back
	}
	var b strings.Builder
	b.WriteString(sign)
	writeIntPart(&b, ints, intPart, group)
	writeFracPart(&b, fracs, fracPart, len(fracs) > 0)
	return b.String(), true
}

// writeIntPart fills the integer placeholders from the right, so literal
// text between them stays in place (000-00-0000); digits beyond the
// placeholders go at the first one.
func writeIntPart(b *strings.Builder, toks []numTok, digits string, group bool) {
	n := 0
	for _, t := range toks {
		if t.digit != 0 {
			n++
		}
	}
	if group {
		zeros := 0
		for _, t := range toks {
			if t.digit == '0' {
				zeros++
			}
		}
		for len(digits) < zeros {
			digits = "0" + digits
		}
		grouped := groupThousands(digits)
		placed := false
		for _, t := range toks {
			if t.digit == 0 {
				b.WriteString(t.text)
			} else if !placed {
				b.WriteString(grouped)
				placed = true
			}
		}
		return
	}
	out := make([]string, len(toks))
	d := len(digits)
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		if t.digit == 0 {
			out[i] = t.text
			continue
		}
		n--
		switch {
		case n == 0 && d > 0:
			out[i], d = digits[:d], 0
		case d > 0:
			out[i], d = digits[d-1:d], d-1
		case t.digit == '0':
			out[i] = "0"
		case t.digit == '?':
			out[i] = " "
		}
	}
	for _, s := range out {
		b.WriteString(s)
	}
}

func writeFracPart(b *strings.Builder, toks []numTok, digits string, point bool) {
	if !point {
		return
	}
	// Trailing digits that are zero drop for "#" (and show as a space for
	// "?"), back to the last "0" placeholder.
	keep := len(digits)
	placeholders := []byte{}
	for _, t := range toks {
		if t.digit != 0 {
			placeholders = append(placeholders, t.digit)
		}
	}
	for keep > 0 && digits[keep-1] == '0' && placeholders[keep-1] != '0' {
		keep--
	}
	b.WriteByte('.')
	k := 0
	for _, t := range toks {
		if t.digit == 0 {
			b.WriteString(t.text)
			continue
		}
		switch {
		case k < keep:
			b.WriteByte(digits[k])
		case t.digit == '?':
			b.WriteByte(' ')
		}
		k++
	}
}

func groupThousands(d string) string {
	if len(d) <= 3 {
		return d
	}
	var b strings.Builder
	first := len(d) % 3
	if first > 0 {
		b.WriteString(d[:first])
	}
	for i := first; i < len(d); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(d[i : i+3])
	}
	return b.String()
}

// excelDate turns a date serial into an ISO 8601 date-time in UTC (Excel
// keeps no time zone), to the second. In the 1900 system Excel counts 29
// February 1900, which never was: serials from 61 on are a day ahead of
// the calendar.
func excelDate(serial float64, date1904 bool) (string, bool) {
	if math.IsNaN(serial) || serial < 0 || serial > 2958466 { // 9999-12-31
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case serial < 61:
		base = base.AddDate(0, 0, 1)
		if serial >= 60 {
			return "", false // 29 February 1900
		}
	}
	days := math.Floor(serial)
	secs := math.Round((serial - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	return t.Format("2006-01-02T15:04:05Z"), true
}

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
