package actions

import (
	"strconv"

	"github.com/firmtools/bulk/internal/wire"
)

// The result columns an action's answer may fill (Result's fields), as
// the result file names them.
const (
	ColumnUserCreated = "user_created" // Result.UserCreated
	ColumnUserNum     = "user_num"     // Result.UserNum
	ColumnObjectID    = "object_id"    // Result.ObjectID
	ColumnOutput      = "output"       // Result.Output, as compact JSON
)

// Shown is a result column an action's answer fills, and what it holds.
type Shown struct {
	Column string // one of the Column constants
	What   string // in words, for `bulk actions ACTION`
}

// Items are the items a read's answer lists (roles, aliases, categories),
// for a file with one row per item read.
type Items struct {
	What    string   // one item, in words: "role"
	Columns []string // the item's columns, as the service names them
	// Rows are the cells of each item of an answer (Result.Output, as
	// the action's Call sets it), in Columns' order.
	Rows func(output any) [][]string
}

// idDescriptionItems are the items of an {id, description} list.
var idDescriptionItems = &Items{
	What:    "role",
	Columns: []string{"id", "description"},
	Rows: func(out any) [][]string {
		var rows [][]string
		for _, x := range out.([]wire.IDDescription) {
			rows = append(rows, []string{x.ID, x.Description})
		}
		return rows
	},
}

// optional is a text the service may leave out: "" when it did.
func optional(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// optionalBool is a flag the service may leave out: "" when it did.
func optionalBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}
