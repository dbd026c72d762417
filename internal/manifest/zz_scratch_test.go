package manifest

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestZZBig(t *testing.T) {
	path := "/tmp/scratch/big.xlsx"
	if _, err := os.Stat(path); err != nil {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		sw.SetRow("A1", []any{"full_name", "id", "email", "is_external", "preferred_library", "role", "ignore_if_user_already_exists"})
		libs := []string{"ACTIVE_US", "ACTIVE_UK"}
		roles := []string{"ATTORNEY", "PARALEGAL", "SECRETARY", "READ_ONLY"}
		for i := 0; i < 1_000_000; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			sw.SetRow(cell, []any{fmt.Sprintf("User %07d, Test", i), fmt.Sprintf("U%07d", i), fmt.Sprintf("user%07d@firm.com", i), i%2 == 0, libs[i%2], roles[i%4], "yes"})
		}
		sw.Flush()
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
	}
	zr, _ := zip.OpenReader(path)
	for _, e := range zr.File {
		t.Logf("%s %d -> %d", e.Name, e.CompressedSize64, e.UncompressedSize64)
	}
	zr.Close()
	start := time.Now()
	var ms runtime.MemStats
	done := make(chan struct{})
	var peak uint64
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak {
					peak = ms.HeapInuse
				}
			}
		}
	}()
	sum, err := Validate(context.Background(), []string{path}, Options{Action: "create-user"}, func(p Problem) { t.Log(p) })
	close(done)
	t.Logf("%+v %v %v peak heap %d MB", sum, err, time.Since(start), peak>>20)
}
