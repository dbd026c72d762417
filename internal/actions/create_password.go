package actions

import (
	"context"
	"encoding/json"

	"github.com/firmtools/bulk/internal/wire"
)

// createPasswordMember is create-user's create_password, whose shape the
// service gives per password_create_method.
var createPasswordMember = &Dynamic{
	Member: "create_password",
	Op:     wire.OpGetCreateUserPasswordSchema,
	Arg:    func(v Values) string { return v["password_create_method"] },
	What:   func(method string) string { return "create_password with \"" + method + "\"" },
	Fields: map[string]string{"password": "password", "force_password_change": "force_password_change"},
	// As callCreateUser sends it (a test holds the two together).
	Props: "create_password",
	Build: func(v Values, s Secrets) any { return createPassword(v, s) },
	Read: func(ctx context.Context, r SchemaReader, method string) (json.RawMessage, error) {
		return r.GetCreateUserPasswordSchema(ctx, method)
	},
	// The contract's shape: {} for "Send an email"; a password (required)
	// and force_password_change for "Create a password".
	Contract: func(spec *Spec, method string) map[string]any {
		if method != CreateAPassword {
			return contractSchema(spec, nil)
		}
		return contractSchema(spec, map[string]string{"password": "password", "force_password_change": "force_password_change"}, "password")
	},
}

// createPassword is create_password as callCreateUser sends it: the
// password for "Create a password", and the further properties a row gives.
func createPassword(v Values, s Secrets) wire.CreatePassword {
	cp := wire.CreatePassword{Extra: Properties(v["create_password"])}
	if v["password_create_method"] == CreateAPassword {
		cp.Password, cp.ForcePasswordChange = s["password"], v.Bool("force_password_change")
	}
	return cp
}
