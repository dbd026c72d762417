package tabular

import (
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Reading a file and checking its rows are each a good part of the work; on
// a machine with several cores they overlap: one goroutine reads records
// (and checks their encoding) a few batches ahead while others validate.
// Memory stays bounded by a few batches.

const (
	prefetchBatch = 512
	prefetchDepth = 4
)

type recBatch struct {
	cells []string // the cells of all records, one after the other
	metas []Cell   // for a workbook: what each cell is, beside cells
	ends  []int    // end of each record in cells
	rows  []int
	err   error // after the records: io.EOF, a *Problem, *UTF8Error, *RowLimitError, or an I/O error
}

// RowLimitError: the file has more rows than the limit; Row is the first
// row not read.
type RowLimitError struct{ Row, Max int }

func (e *RowLimitError) Error() string { return "too many rows" }

// UTF8Error is a cell that is not valid UTF-8: the Col-th (from 0) of Row.
type UTF8Error struct {
	Row  int
	Col  int
	Cell string
}

func (e *UTF8Error) Error() string { return "not valid UTF-8" }

// Prefetcher reads a table ahead for one or more consumers. Each consumer
// takes whole batches through its own Cursor.
type Prefetcher struct {
	batches  chan *recBatch
	free     chan *recBatch
	done     chan struct{}
	exited   chan struct{}
	stopOnce sync.Once
	aborted  atomic.Bool
	maxRows  int
}

// Prefetch starts reading t ahead, up to maxRows records; Stop ends it.
func Prefetch(t Table, maxRows int) *Prefetcher {
	p := &Prefetcher{
		batches: make(chan *recBatch, prefetchDepth),
		free:    make(chan *recBatch, prefetchDepth*2),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
		maxRows: maxRows,
	}
	go p.run(t)
	return p
}

func (p *Prefetcher) run(t Table) {
	defer close(p.exited)
	defer close(p.batches)
	check := t.CheckUTF8()
	rows := 0
	for {
		var b *recBatch
		select {
		case b = <-p.free:
			b.cells, b.metas, b.ends, b.rows, b.err = b.cells[:0], b.metas[:0], b.ends[:0], b.rows[:0], nil
		default:
			b = &recBatch{}
		}
		for len(b.rows) < prefetchBatch {
			rec, err := t.Next()
			if err != nil {
				b.err = err
				break
			}
			if rows++; rows > p.maxRows {
				b.err = &RowLimitError{Row: t.Row(), Max: p.maxRows}
				break
			}
			if check {
				if col := invalidUTF8(rec); col >= 0 {
					b.err = &UTF8Error{Row: t.Row(), Col: col, Cell: strings.Clone(rec[col])}
					break
				}
			}
			if m := t.Meta(); m != nil {
				b.metas = append(b.metas, m[:len(rec)]...)
			}
			b.cells = append(b.cells, rec...)
			b.ends = append(b.ends, len(b.cells))
			b.rows = append(b.rows, t.Row())
		}
		select {
		case p.batches <- b:
		case <-p.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// blank reports a record of only empty or blank cells.
func blank(rec []string) bool {
	for _, c := range rec {
		if !IsBlank(c) {
			return false
		}
	}
	return true
}

// IsBlank reports whether a cell is empty or only spaces; most cells
// answer on their first byte.
func IsBlank(c string) bool {
	if c == "" {
		return true
	}
	if c[0] > ' ' && c[0] < 0x80 {
		return false
	}
	return strings.TrimSpace(c) == ""
}

// trimTrailingEmpty drops empty cells at the end of a record: spreadsheets
// and exports often pad rows with separators.
func trimTrailingEmpty(rec []string) []string {
	for len(rec) > 0 && rec[len(rec)-1] == "" {
		rec = rec[:len(rec)-1]
	}
	return rec
}

func invalidUTF8(rec []string) int {
	for i, c := range rec {
		if !utf8.ValidString(c) {
			return i
		}
	}
	return -1
}

// Cursor is one consumer's place in the batches.
type Cursor struct {
	b *recBatch
	i int
}

// Next returns the next record for c that is not blank, without the empty
// cells at its end; what its cells are (a workbook's; nil for CSV); and
// its row. err ends the records: io.EOF at the end, or what stopped the
// reading (to the consumer that got the last batch).
func (p *Prefetcher) Next(c *Cursor) ([]string, []Cell, int, error) {
	for {
		rec, meta, row, err := p.next(c)
		if err != nil {
			return nil, nil, 0, err
		}
		if rec = trimTrailingEmpty(rec); !blank(rec) {
			return rec, meta, row, nil
		}
	}
}

// next returns the next record for c, blank or not.
func (p *Prefetcher) next(c *Cursor) ([]string, []Cell, int, error) {
	for {
		if c.b != nil && c.i < len(c.b.rows) {
			start := 0
			if c.i > 0 {
				start = c.b.ends[c.i-1]
			}
			end := c.b.ends[c.i]
			rec, row := c.b.cells[start:end:end], c.b.rows[c.i]
			var meta []Cell
			if len(c.b.metas) > 0 {
				meta = c.b.metas[start:end:end]
			}
			c.i++
			return rec, meta, row, nil
		}
		if c.b != nil {
			b := c.b
			c.b = nil
			if b.err != nil && b.err != io.EOF {
				return nil, nil, 0, b.err
			}
			select {
			case p.free <- b:
			default:
			}
		}
		if p.aborted.Load() {
			return nil, nil, 0, io.EOF
		}
		b, ok := <-p.batches
		if !ok {
			return nil, nil, 0, io.EOF
		}
		c.b, c.i = b, 0
	}
}

// Abort makes every consumer see the end: a problem ended the file.
func (p *Prefetcher) Abort() {
	p.aborted.Store(true)
	p.stopOnce.Do(func() { close(p.done) })
}

// Stopped reports whether reading ended early (Abort).
func (p *Prefetcher) Stopped() bool { return p.aborted.Load() }

// Stop ends the reader goroutine and waits for it, so the table can be
// closed.
func (p *Prefetcher) Stop() {
	p.stopOnce.Do(func() { close(p.done) })
	<-p.exited
}
