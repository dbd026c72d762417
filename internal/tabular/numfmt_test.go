package tabular

import "testing"

func TestIsDateFormat(t *testing.T) {
	for code, want := range map[string]bool{
		"m/d/yy": true, "dd/mm/yyyy": true, "mmm-yy": true, "d-mmm": true, "mmmm": true,
		`yyyy"年"m"月"d"日"`: true, "[$-409]d mmmm yyyy;@": true, "yyyy-mm-dd hh:mm:ss": true,
		"[Red]dd/mm/yyyy": true, "h:mm": false, "h:mm:ss AM/PM": false, "[h]:mm:ss": false, "mm:ss": false,
		"mm:ss.0": false, "General": false, "0.00": false, "#,##0": false, "0%": false, "0.00E+00": false,
		`"day"0`: false, `\d0`: false, "@": false, "": false, `"unclosed`: false, "[unclosed": false,
		"0;[Red]-0;dd": false, `_d0`: false, "*d0": false,
	} {
		if got := isDateFormat(code); got != want {
			t.Errorf("isDateFormat(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		x    float64
		code string
		want string
		ok   bool
	}{
		{1234.5, "#,##0.00", "1,234.50", true},
		{0.25, "0%", "25%", true},
		{50000, `"$"#,##0.00`, "$50,000.00", true},
		{123, "00000", "00123", true},
		{123456789, "000-00-0000", "123-45-6789", true},
		{-5, "#,##0;(#,##0)", "(5)", true},
		{-5, "0.0", "-5.0", true},
		{0, "0;-0;\"zero\"", "zero", true},
		{0.5, "#.00", ".50", true},
		{1.5, "0.0#", "1.5", true},
		{1234567, "#,##0,", "1,235", true},
		{12, "[$€-407] #,##0", "€ 12", true},
		{12, "[Red]0", "12", true},
		{1.5, "# ?/?", "", false},
		{1.5, "0.00E+00", "", false},
		{1.5, "[>100]0;0.0", "", false},
		{0.5, "h:mm", "", false},
	} {
		got, ok := formatNumber(c.x, c.code)
		if got != c.want || ok != c.ok {
			t.Errorf("formatNumber(%v, %q) = %q, %v; want %q, %v", c.x, c.code, got, ok, c.want, c.ok)
		}
	}
	for serial, want := range map[float64]string{1: "1900-01-01T00:00:00Z", 59: "1900-02-28T00:00:00Z", 61: "1900-03-01T00:00:00Z",
		45352.395833333336: "2024-03-01T09:30:00Z"} {
		if got, _ := excelDate(serial, false); got != want {
			t.Errorf("excelDate(%v) = %q, want %q", serial, got, want)
		}
	}
	if got, _ := excelDate(0, true); got != "1904-01-01T00:00:00Z" {
		t.Errorf("1904 system: %q", got)
	}
}
