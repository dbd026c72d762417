package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in      string
		want    Limit
		errPart string
	}{
		{"100/60s", Limit{100, time.Minute}, ""},
		{"100/600ms", Limit{100, 600 * time.Millisecond}, ""},
		{"100/1m", Limit{100, time.Minute}, ""},
		{"100/m", Limit{100, time.Minute}, ""},
		{"5/s", Limit{5, time.Second}, ""},
		{"100/ms", Limit{100, time.Millisecond}, ""},
		{"1000/h", Limit{1000, time.Hour}, ""},
		{" 7 / 1m30s ", Limit{7, 90 * time.Second}, ""},
		{" 5 / 1s ", Limit{5, time.Second}, ""},
		{"100", Limit{}, "no '/'"},
		{"/60s", Limit{}, "positive whole number"},
		{"0/60s", Limit{}, "positive whole number"},
		{"-1/60s", Limit{}, "positive whole number"},
		{"1.5/60s", Limit{}, "positive whole number"},
		{"x/60s", Limit{}, "positive whole number"},
		{"100/", Limit{}, "window"},
		{"100/60", Limit{}, "window"},
		{"100/minute", Limit{}, "window"},
		{"100/fast", Limit{}, "window"},
		{"100/0s", Limit{}, "must be positive"},
		{"100/-1s", Limit{}, "must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) || !strings.Contains(err.Error(), tc.in) {
					t.Fatalf("Parse(%q) = %v, %v; want an error naming the input and saying %q", tc.in, got, err, tc.errPart)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestStringReadsBack(t *testing.T) {
	for _, l := range []Limit{Default, {100, 600 * time.Millisecond}, {5, time.Second}, {3, 1500 * time.Microsecond}} {
		got, err := Parse(l.String())
		if err != nil || got != l {
			t.Fatalf("%v written as %q reads back as %v, %v", l, l.String(), got, err)
		}
	}
	if Default.String() != "100/60s" {
		t.Fatalf("the default is written %q", Default.String())
	}
}
