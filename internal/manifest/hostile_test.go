package manifest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/tabular"
)

// Hostile workbooks: small files (under 1 MB) crafted to make a reader
// spend memory or time. Each must be read or refused within 200 MB and 5 s
// (BenchmarkHostileWorkbooks and bench/hostile.sh measure it; the figures
// are in BENCHMARKS.md); TestHostileWorkbooks holds each to a clear answer.

var hostileOut = flag.String("hostile-out", "", "write the hostile workbooks to this directory (for bench/hostile.sh)")

// hostileWorkbooks builds the crafted workbooks, by name.
func hostileWorkbooks(t testing.TB) map[string][]byte {
	base := newWorkbook(t, withRows(userHeader, []any{"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"}))
	insert := func(part, before, what string) []byte {
		return rezip(t, base, func(name string, d []byte) []byte {
			if name != part {
				return d
			}
			s := string(d)
			i := strings.Index(s, before)
			if i < 0 {
				t.Fatalf("%s has no %q", part, before)
			}
			return []byte(s[:i] + what + s[i:])
		}, nil)
	}
	repeat := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i))
		}
		return b.String()
	}
	rows := func(n int, f func(r int) string) []byte {
		return insert("xl/worksheets/sheet1.xml", "</sheetData>", repeat(n, func(i int) string { return f(i + 3) }))
	}
	return map[string][]byte{
		// The parts a general reader parses whole into Go values.
		"styles: 800,000 cell styles": insert("xl/styles.xml", "</cellXfs>", strings.Repeat(`<xf numFmtId="0"/>`, 800_000)),
		"styles: 100,000 cell styles": insert("xl/styles.xml", "</cellXfs>", strings.Repeat(`<xf numFmtId="0"/>`, 100_000)),
		"styles: 8,000 number formats": insert("xl/styles.xml", "<fonts", `<numFmts>`+repeat(8000, func(i int) string {
			return fmt.Sprintf(`<numFmt numFmtId="%d" formatCode="%s"/>`, 164+i, strings.Repeat("0", 200))
		})+`</numFmts>`),
		"workbook: 400,000 defined names": insert("xl/workbook.xml", "</workbook>",
			"<definedNames>"+strings.Repeat(`<definedName name="a">Sheet1!A1</definedName>`, 400_000)+"</definedNames>"),
		"content types: 350,000 overrides": insert("[Content_Types].xml", "</Types>", strings.Repeat(`<Override PartName="/x" ContentType="y"/>`, 350_000)),
		// The same, varied enough to pass the compression-ratio check.
		"styles: 130,000 varied cell styles": insert("xl/styles.xml", "</cellXfs>", repeat(130_000, func(i int) string {
			return fmt.Sprintf(`<xf numFmtId="%d" fontId="%d" fillId="%d"/>`, i%200, i*7919%1000, i*104729%997)
		})),
		"workbook: 60,000 varied defined names": insert("xl/workbook.xml", "</workbook>", "<definedNames>"+repeat(60_000, func(i int) string {
			return fmt.Sprintf(`<definedName name="n%s">Sheet1!$A$%d</definedName>`, noise(6)[:3]+fmt.Sprint(i*7919%100003), i)
		})+"</definedNames>"),
		"sheet: 60,000 varied merged ranges": insert("xl/worksheets/sheet1.xml", "</worksheet>",
			"<mergeCells>"+repeat(60_000, func(i int) string {
				return fmt.Sprintf(`<mergeCell ref="%s:%s"/>`, tabular.CellName(i*31%16000, i*7919%1048000+1), tabular.CellName(16383, 1048576))
			})+"</mergeCells>"),
		// Shared strings: many, empty or numbered, and one of each size.
		"shared strings: 15,000,000 empty": insert("xl/sharedStrings.xml", "</sst>", strings.Repeat(`<si/>`, 15_000_000)),
		"shared strings: 350,000 numbered": insert("xl/sharedStrings.xml", "</sst>", repeat(350_000, func(i int) string {
			return fmt.Sprintf("<si><t>%d</t></si>", i)
		})),
		"shared strings: 60 MB of one letter": insert("xl/sharedStrings.xml", "</sst>", "<si><t>"+strings.Repeat("x", 60<<20)+"</t></si>"),
		// Sheets: many rows, wide rows, cells far to the right, merged cells.
		"sheet: 400,000 empty rows": rows(400_000, func(r int) string { return fmt.Sprintf(`<row r="%d"/>`, r) }),
		"sheet: 150,000 rows of one bad cell": rows(150_000, func(r int) string {
			return fmt.Sprintf(`<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>`, r, r)
		}),
		"sheet: 200,000 rows, a cell at XFD": rows(200_000, func(r int) string { return fmt.Sprintf(`<row r="%d"><c r="XFD%d"/></row>`, r, r) }),
		"sheet: a value at XFD": rows(1, func(r int) string {
			return fmt.Sprintf(`<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, r, r)
		}),
		"sheet: 100,000 merged ranges": insert("xl/worksheets/sheet1.xml", "</worksheet>",
			"<mergeCells>"+strings.Repeat(`<mergeCell ref="A1:XFD1048576"/>`, 100_000)+"</mergeCells>"),
		"sheet: elements nested 100,000 deep": insert("xl/worksheets/sheet1.xml", "</sheetData>",
			strings.Repeat("<x>", 100_000)+strings.Repeat("</x>", 100_000)),
	}
}

// wideSharedRows: rows of 512 cells that each show the same 32 KiB shared
// string, the most text a small file can make a row of.
func wideSharedRows(t testing.TB) []byte {
	base := newWorkbook(t, withRows(userHeader, []any{"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"}))
	long := len(userHeader) * 2 // the new string comes after the ten the two rows have
	return rezip(t, base, func(name string, d []byte) []byte {
		s := string(d)
		switch name {
		case "xl/sharedStrings.xml":
			i := strings.Index(s, "</sst>")
			return []byte(s[:i] + "<si><t>" + noise(32<<10) + "</t></si>" + s[i:])
		case "xl/worksheets/sheet1.xml":
			var b strings.Builder
			for r := 3; r < 800; r++ {
				fmt.Fprintf(&b, `<row r="%d">`, r)
				for c := range 512 {
					fmt.Fprintf(&b, `<c r="%s" t="s"><v>%d</v></c>`, tabular.CellName(c, r), long)
				}
				b.WriteString("</row>")
			}
			i := strings.Index(s, "</sheetData>")
			return []byte(s[:i] + b.String() + s[i:])
		}
		return d
	}, nil)
}

func allHostile(t testing.TB) map[string][]byte {
	m := hostileWorkbooks(t)
	m["sheet: 800 rows of 512 long shared cells"] = wideSharedRows(t)
	return m
}

// peakHeap runs f and returns the most heap in use while it ran, sampled
// every millisecond, above what was in use before.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	if p := peak.Load(); p > before.HeapInuse {
		return p - before.HeapInuse
	}
	return 0
}

func writeHostile(t testing.TB, dir string) []string {
	var paths []string
	for name, data := range allHostile(t) {
		if len(data) >= 1<<20 {
			t.Fatalf("%s: %d bytes, not under 1 MB", name, len(data))
		}
		file := strings.NewReplacer(":", "", " ", "-", ",", "").Replace(name) + ".xlsx"
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// Every hostile workbook is read or refused with a message, never with a
// crash; with -hostile-out they are written for bench/hostile.sh.
func TestHostileWorkbooks(t *testing.T) {
	dir := *hostileOut
	if dir == "" {
		dir = t.TempDir()
	}
	for _, p := range writeHostile(t, dir) {
		sum, err := Validate(context.Background(), []string{p}, Options{Action: "create-user"}, nil)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if sum.Errors+sum.Warnings == 0 && sum.Jobs != 1 {
			t.Errorf("%s: %+v", filepath.Base(p), sum)
		}
	}
}

// A small file of many bad rows lists a bounded number of problems.
func TestProblemsPerFileAreBounded(t *testing.T) {
	defer func(n int) { maxProblemsPerFile = n }(maxProblemsPerFile)
	maxProblemsPerFile = 50
	var b strings.Builder
	b.WriteString("id\n")
	for i := range 100 {
		fmt.Fprintf(&b, "U%d\n", i)
	}
	p := writeFile(t, t.TempDir(), "u.csv", []byte(b.String()))
	var ps []Problem
	if _, err := Validate(context.Background(), []string{p}, Options{Action: "create-user"}, func(x Problem) { ps = append(ps, x) }); err != nil {
		t.Fatal(err)
	}
	last := ps[len(ps)-1]
	if len(ps) != 51 || last.Severity != Error || last.Message != "has 350 more problems, not listed: the first 50 are; correct those and validate again" {
		t.Fatalf("%d problems, last %v", len(ps), last)
	}
}

// BenchmarkHostileWorkbooks validates each hostile workbook and reports the
// peak heap and the time, per workbook.
//
//	go test -run XXX -bench HostileWorkbooks -benchtime 1x ./internal/manifest
func BenchmarkHostileWorkbooks(b *testing.B) {
	paths := writeHostile(b, b.TempDir())
	for _, p := range paths {
		b.Run(strings.TrimSuffix(filepath.Base(p), ".xlsx"), func(b *testing.B) {
			var peak uint64
			for range b.N {
				peak = max(peak, peakHeap(func() {
					if _, err := Validate(context.Background(), []string{p}, Options{Action: "create-user"}, nil); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
		})
	}
}
