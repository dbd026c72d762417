package actions

// Expansion is a key of a YAML job of an action whose list stands for more
// jobs, each waiting for the job that has it: create-user's libraries:
// (assign-user-to-library jobs) and my_matters: (add-my-matters-shortcuts
// jobs). An item is a mapping of the made job's fields, or a single value
// for its Main field.
type Expansion struct {
	Key    string // the YAML key, e.g. "libraries"
	Action string // the action of the jobs its items make
	Main   string // the field an item given as a single value fills, e.g. "library_id"
	Link   Link   // the field each made job takes from the job that has the key
	// Summary and Example are for `bulk template --yaml`: what the list
	// is for, and one item.
	Summary string
	Example string
}

// Link fills a field of each job an Expansion makes from the job that
// expands: Field of the made job is From of the expanding one (the new
// user's id). An item may not give Field; a job without From makes none.
type Link struct {
	Field string
	From  string
	What  string // what the value is, for messages: "the created user's id"
}

// ExpansionKeys lists every action's expansion keys, in action order.
func ExpansionKeys() []string {
	var out []string
	for _, s := range All() {
		for _, e := range s.Expansions {
			out = append(out, e.Key)
		}
	}
	return out
}
