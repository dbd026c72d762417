package actions

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/firmtools/bulk/internal/wire"
)

// The result columns an action's answer may fill (Result's fields), as
// the result file names them.
const (
	ColumnUserCreated = "user_created" // Result.UserCreated
	ColumnUserNum     = "user_num"     // Result.UserNum
	ColumnObjectID    = "object_id"    // Result.ObjectID
	ColumnOutput      = "output"       // Result.Output, as compact JSON (a read's: how many items)

	// The answer's main fields, for people (Result.Columns).
	ColumnName      = "name"           // a new user's full name; a tab's or folder's name
	ColumnEmail     = "email"          // a new user's e-mail address
	ColumnWorkspace = "workspace_name" // the workspace of a tab or folder
	ColumnURL       = "url"            // a tab's or folder's link
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
	Many    string   // more than one: "roles"
	Columns []string // the item's columns, as the service names them
	// Rows are the cells of each item of an answer, in Columns' order:
	// the answer as the action's Call sets Result.Output, or as the
	// journal kept it (JSON).
	Rows func(output any) ([][]string, error)
}

// Count says how many items an answer listed: "3 aliases", what the
// result file's output cell of a read holds.
func (it *Items) Count(n int) string {
	if n == 1 {
		return "1 " + it.What
	}
	return strconv.Itoa(n) + " " + it.Many
}

// listItems are the items of an answer that is a list of T.
func listItems[T any](what, many string, columns []string, cells func(T) []string) *Items {
	return &Items{What: what, Many: many, Columns: columns, Rows: func(out any) ([][]string, error) {
		var list []T
		switch o := out.(type) {
		case []T:
			list = o
		case json.RawMessage:
			if err := json.Unmarshal(o, &list); err != nil {
				return nil, fmt.Errorf("reading the %s of the answer: %w", many, err)
			}
		case nil:
		default:
			return nil, fmt.Errorf("an answer of %T is not a list of %s", out, many)
		}
		rows := make([][]string, len(list))
		for i, x := range list {
			rows[i] = cells(x)
		}
		return rows, nil
	}}
}

// idDescriptionItems are the items of an {id, description} list.
var idDescriptionItems = listItems("role", "roles", []string{"id", "description"},
	func(x wire.IDDescription) []string { return []string{x.ID, x.Description} })

// shown are result columns for people from pairs of column and value,
// leaving out the values the answer did not have.
func shown(pairs ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out[pairs[i]] = pairs[i+1]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
