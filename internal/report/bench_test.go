package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/secret"
)

// benchRows are n result rows of a run of new users.
func benchRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{Source: "joiners.csv", Row: i + 2, Index: i, Action: "create-user", Key: fmt.Sprintf("USER%06d", i),
			Status: executor.StatusOK, Attempts: 1, UserCreated: "true", UserNum: fmt.Sprint(1000 + i), ObjectID: fmt.Sprintf("USER%06d", i),
			Name: fmt.Sprintf("User Number %d", i), Email: fmt.Sprintf("user%d@firm.example.com", i),
			Output: fmt.Sprintf(`{"id":"USER%06d","full_name":"User Number %d","user_created":true}`, i, i)}
	}
	return rows
}

// The result file of 20,000 rows, as CSV and as a workbook (excelize's
// stream writer): time and memory per file.
func BenchmarkResultFile20k(b *testing.B) {
	t := resultTable(benchRows(20_000), &secret.Redactor{})
	for _, f := range []Format{CSV, Workbook} {
		b.Run(f.Ext()[1:], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if f == Workbook {
					err = t.writeWorkbook(io.Discard)
				} else {
					err = t.writeCSV(io.Discard)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
