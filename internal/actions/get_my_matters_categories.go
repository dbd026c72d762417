package actions

import (
	"context"
	"fmt"
	"strconv"

	"github.com/firmtools/bulk/internal/wire"
)

// getMyMattersCategoriesSpec is the get-my-matters-categories action.
func getMyMattersCategoriesSpec() *Spec {
	return &Spec{
		Name:      "get-my-matters-categories",
		Operation: wire.OpGetMyMattersCategories,
		Summary:   "List a user's My Matters categories",
		Read:      true,
		Fields: []Field{
			userIDField("user_id", true, true, "userId"),
		},
		Repeat:    RepeatSafe,
		KeyFields: []string{"user_id"},
		Needs:     needsUsers("user_id"),
		Shows:     []Shown{{Column: ColumnOutput, What: "how many categories were read, as \"3 categories\""}},
		Items: listItems("category", "categories", []string{"id", "name", "category_type", "default_security", "has_subfolders", "owner"},
			func(c wire.MyMattersCategory) []string {
				return []string{c.ID, c.Name, c.CategoryType, c.DefaultSecurity, strconv.FormatBool(c.HasSubfolders), c.Owner}
			}),
		Call: func(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
			cats, err := c.GetMyMattersCategories(ctx, v["user_id"])
			if err != nil {
				return Result{}, fmt.Errorf("get-my-matters-categories for %s: %w", v["user_id"], err)
			}
			if cats == nil {
				cats = []wire.MyMattersCategory{}
			}
			return Result{Output: cats}, nil
		},
	}
}
