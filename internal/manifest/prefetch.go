package manifest

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
	cells []string   // the cells of all records, one after the other
	metas []cellMeta // for a workbook: what each cell is, beside cells
	ends  []int      // end of each record in cells
	rows  []int
	err   error // after the records: io.EOF, a *stopError, *utf8Error, *rowLimitError, or an I/O error
}

// rowLimitError: the file has more rows than the limit.
type rowLimitError struct{ row, max int }

func (e *rowLimitError) Error() string { return "too many rows" }

// utf8Error is a cell that is not valid UTF-8.
type utf8Error struct {
	row  int
	col  int
	cell string
}

func (e *utf8Error) Error() string { return "not valid UTF-8" }

// prefetcher reads a table ahead for one or more consumers. Each consumer
// takes whole batches through its own cursor.
type prefetcher struct {
	batches  chan *recBatch
	free     chan *recBatch
	done     chan struct{}
	exited   chan struct{}
	stopOnce sync.Once
	aborted  atomic.Bool
	maxRows  int
}

func startPrefetch(t table, maxRows int) *prefetcher {
	p := &prefetcher{
		batches: make(chan *recBatch, prefetchDepth),
		free:    make(chan *recBatch, prefetchDepth*2),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
		maxRows: maxRows,
	}
	go p.run(t)
	return p
}

func (p *prefetcher) run(t table) {
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
				b.err = &rowLimitError{row: t.Row(), max: p.maxRows}
				break
			}
			if check {
				if col := invalidUTF8(rec); col >= 0 {
					b.err = &utf8Error{row: t.Row(), col: col, cell: strings.Clone(rec[col])}
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

func invalidUTF8(rec []string) int {
	for i, c := range rec {
		if !utf8.ValidString(c) {
			return i
		}
	}
	return -1
}

// cursor is one consumer's place in the batches.
type cursor struct {
	b *recBatch
	i int
}

// next returns the next record for c, what its cells are (a workbook's;
// nil for CSV) and its row; err ends the records: io.EOF at the end, or
// what stopped the reading (to the consumer that got the last batch).
func (p *prefetcher) next(c *cursor) ([]string, []cellMeta, int, error) {
	for {
		if c.b != nil && c.i < len(c.b.rows) {
			start := 0
			if c.i > 0 {
				start = c.b.ends[c.i-1]
			}
			end := c.b.ends[c.i]
			rec, row := c.b.cells[start:end:end], c.b.rows[c.i]
			var meta []cellMeta
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

// abort makes every consumer see the end: a problem ended the file.
func (p *prefetcher) abort() {
	p.aborted.Store(true)
	p.stopOnce.Do(func() { close(p.done) })
}

// stopped reports whether reading ended early.
func (p *prefetcher) stopped() bool { return p.aborted.Load() }

// stop ends the reader goroutine and waits for it, so the table can be
// closed.
func (p *prefetcher) stop() {
	p.stopOnce.Do(func() { close(p.done) })
	<-p.exited
}
