package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

// Password create methods of createUser, in the contract's spelling.
const (
	SendAnEmail     = "Send an email"
	CreateAPassword = "Create a password"
)

// createUserSpec is the create-user action.
func createUserSpec() *Spec {
	return &Spec{
		Name:      "create-user",
		Operation: wire.OpCreateUser,
		Summary:   "Create a user (or return the existing one) with a preferred library and role",
		Fields: []Field{
			{Name: "full_name", Aliases: []string{"fullName"}, Kind: KindString, Required: true, MaxLen: 254,
				Rule: "be the user's full name, at most 254 characters"},
			{Name: "id", Aliases: []string{"user_id"}, Kind: KindString, Required: true,
				Identifier: true, IgnoreCase: true, Match: isUserID,
				Rule: "be a user ID like JSMITH (no spaces or control characters)"},
			{Name: "email", Kind: KindString, Required: true, MinLen: 5, MaxLen: 254, Identifier: true,
				Match: isEmail, Why: emailWhy,
				Rule: "be an e-mail address like name@firm.com"},
			boolField("is_external", "false", true),
			func() Field {
				f := libraryField("preferred_library", "library", "preferredLibrary")
				return f
			}(),
			{Name: "role", Kind: KindString, Required: true, MaxLen: 254, Identifier: true,
				Rule: "be a role of preferred_library (an external role when is_external), like ATTORNEY"},
			boolField("ignore_if_user_already_exists", "true", true),
			{Name: "password_create_method", Kind: KindEnum, Required: true, Default: SendAnEmail,
				Enum: []string{SendAnEmail, CreateAPassword}},
			{Name: "password", Aliases: []string{"create_password.password"}, Kind: KindSecret, MinLen: 8, MaxLen: 128,
				Rule: "be 8 to 128 characters; only with password_create_method \"Create a password\" (never shown back)"},
			{Name: "force_password_change", Aliases: []string{"create_password.force_password_change"}, Kind: KindBool,
				Rule: "be true or false; only with password_create_method \"Create a password\""},
			propertiesField("create_password", "create_password"),
			{Name: GeneratePasswordField, Kind: KindBool, Internal: true},
		},
		Repeat:        RepeatSafe,
		KeyFields:     []string{"id"},
		RefFields:     []string{"id", "user_num"},
		CheckFields:   []string{"password_create_method", "force_password_change", GeneratePasswordField},
		Check:         checkCreateUser,
		Call:          callCreateUser,
		NeedsPassword: needsGeneratedPassword,
		Dynamic:       []*Dynamic{createPasswordMember},
		Creates: func(v Values) []Object {
			if id := v["id"]; id != "" {
				return []Object{UserObject(id)}
			}
			return nil
		},
		CheckRemote: func(c RemoteCheck, v Values) error {
			if err := checkUserExists(c, v); err != nil {
				return err
			}
			return checkRole(c, v, "preferred_library", []bool{v.Bool("is_external")})
		},
		Expansions: []Expansion{
			{Key: "libraries", Action: "assign-user-to-library", Main: "library_id",
				Link:    Link{Field: "user_id", From: "id", What: "the created user's id"},
				Summary: "more libraries for the new user", Example: "{library_id: ARCHIVE, role: READ_ONLY}"},
			{Key: "my_matters", Action: "add-my-matters-shortcuts", Main: "workspace_id",
				Link:    Link{Field: "user_id", From: "id", What: "the created user's id"},
				Summary: "workspaces for their My Matters", Example: "ACTIVE_US!1000"},
		},
		Shows: []Shown{
			{Column: ColumnObjectID, What: "the user's ID"},
			{Column: ColumnUserNum, What: "the user's number"},
			{Column: ColumnUserCreated, What: "false when the user was already there"},
			{Column: ColumnName, What: "the user's full name, as the service answered"},
			{Column: ColumnEmail, What: "the user's e-mail address, as the service answered"},
			{Column: ColumnOutput, What: "the user, as the service answered"},
		},
	}
}

func checkCreateUser(v Values, s Secrets) []FieldError {
	_, hasPassword := s["password"]
	switch v["password_create_method"] {
	case CreateAPassword:
		if !hasPassword && !v.Bool(GeneratePasswordField) {
			return []FieldError{{Field: "password", Message: `is required when password_create_method is "Create a password" (8 to 128 characters)`}}
		}
	case SendAnEmail:
		var errs []FieldError
		if hasPassword {
			errs = append(errs, FieldError{Field: "password", Message: `must be empty when password_create_method is "Send an email" (the user sets one from the e-mail)`})
		}
		if v.Bool("force_password_change") {
			errs = append(errs, FieldError{Field: "force_password_change", Message: `only applies when password_create_method is "Create a password"`})
		}
		return errs
	}
	return nil
}

func callCreateUser(ctx context.Context, c Client, v Values, s Secrets) (Result, error) {
	req := wire.CreateUserRequest{
		FullName:                  v["full_name"],
		ID:                        v["id"],
		Email:                     v["email"],
		IsExternal:                v.Bool("is_external"),
		PreferredLibrary:          v["preferred_library"],
		Role:                      v["role"],
		IgnoreIfUserAlreadyExists: v.Bool("ignore_if_user_already_exists"),
		PasswordCreateMethod:      v["password_create_method"],
	}
	if req.PasswordCreateMethod == CreateAPassword {
		pw := s["password"]
		if pw.IsZero() {
			// Sending {} would make the service refuse the row anyway; say why here.
			return Result{}, fmt.Errorf("create-user %s: no password to send for \"Create a password\"", req.ID)
		}
	}
	req.CreatePassword = createPassword(v, s)
	u, err := c.CreateUser(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("create-user %s: %w", req.ID, err)
	}
	return createUserResult(u, v), nil
}

// createUserResult reads createUser's answer, none of whose fields the
// definition requires: a field not sent stays unknown (an empty cell, no
// reference), never false or 0. user_created: false is compared with the
// row: the executor makes it exists, or conflict when it differs.
func createUserResult(u *wire.User, v Values) Result {
	var notes []string
	id := u.ID
	if id == "" {
		id = v["id"]
		notes = append(notes, "the service's answer has no id: the row's id is shown")
	}
	res := Result{UserCreated: u.UserCreated, UserNum: u.UserNum, ObjectID: id, Output: u,
		Refs: map[string]string{"id": id}, Columns: shown(ColumnName, optional(u.FullName), ColumnEmail, optional(u.Email))}
	if u.UserNum != nil {
		res.Refs["user_num"] = itoa(*u.UserNum)
	} else {
		notes = append(notes, "the service's answer has no user_num")
	}
	switch {
	case u.UserCreated == nil:
		notes = append(notes, "the service did not say whether it created the user (no user_created in its answer)")
		// Whatever happened, a user unlike the row is not what was asked.
		if ex := compareUser(u, v); ex.Conflict() {
			res.Existing = ex
		}
	case !*u.UserCreated:
		res.Existing = compareUser(u, v)
	}
	res.Note = JoinNotes(notes...)
	return res
}

// compareUser compares the user the service returned with the row: full
// name exactly, e-mail and preferred library ignoring case, external.
func compareUser(u *wire.User, v Values) *Existing {
	var c compare
	c.field("full_name", u.FullName, v["full_name"], false)
	c.field("email", u.Email, v["email"], true)
	c.field("preferred_library", u.PreferredLibrary, v["preferred_library"], true)
	c.boolField("is_external", u.IsExternal, v.Bool("is_external"))
	// A new user's password settings of the tenant's: no answer shows them.
	for _, name := range sortedKeys(PropertyTexts(v["create_password"])) {
		c.Unchecked = append(c.Unchecked, PropertyKey("create_password", name))
	}
	return c.result()
}

// needsGeneratedPassword reports a row that asks for "Create a password"
// with none given while --generate-passwords is on.
func needsGeneratedPassword(v Values, s Secrets) (string, bool) {
	return "password", v.Bool(GeneratePasswordField) && v["password_create_method"] == CreateAPassword && s["password"].IsZero()
}

// checkUserExists says whether the service already has the user the row
// names. No read of the contract shows a user's full name, e-mail,
// preferred library or external flag, so only existence can be known
// before the run: the run compares the details from createUser's answer.
// Existence is read from getMyMattersCategories: a user the service has
// lists its categories (every user has My Matters and My Favorites); a
// user it does not have is refused (USER_NOT_FOUND).
func checkUserExists(c RemoteCheck, v Values) error {
	id, ok := Known(v, "id")
	if !ok {
		return nil
	}
	cats, refused, err := c.Categories(id)
	if err != nil {
		return err
	}
	f := Finding{Status: FoundUnknown}
	switch {
	case refused != nil && refused.NotFound:
		return nil // it will be created
	case refused != nil:
		f.Message = fmt.Sprintf("could not tell whether the service has user %s: it refused to list the user's My Matters categories (%s)", id, refused.Text)
	case len(cats) == 0:
		f.Message = fmt.Sprintf("could not tell whether the service has user %s: it listed no My Matters categories for it", id)
	case !v.Bool("ignore_if_user_already_exists"):
		c.Problem("id", fmt.Sprintf("the service already has user %s and ignore_if_user_already_exists is false: createUser will refuse the row (DUPLICATE_USER)", id))
		return nil
	default:
		f.Status = FoundExists
		f.Message = fmt.Sprintf("the service already has user %s; no read shows its full name, email, preferred library or external flag, "+
			"so they are not compared here: the run compares them with createUser's answer and ends the row exists or conflict", id)
	}
	c.Found(f)
	return nil
}
