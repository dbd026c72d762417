package connect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firmtools/bulk/internal/credstore"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/secret"
)

// Key is the sign-in the options name in the store: the service (its URL
// normalised), the user and the client ID.
func (o Options) Key() (credstore.Key, error) {
	u, err := imanage.NormalizeBaseURL(o.URL)
	if err != nil {
		return credstore.Key{}, exit.Usage(err)
	}
	return credstore.Key{URL: u.String(), User: o.User, ClientID: o.ClientID}, nil
}

// keptSignIn is the sign-in function of a refresh token 'bulk login' kept
// for these options, or nil when none is kept.
func (o Options) keptSignIn(learn func(...string)) (func(context.Context, *imanage.Client) (secret.Secret, error), error) {
	if o.Store == nil {
		return nil, nil
	}
	key, err := o.Key()
	if err != nil {
		return nil, err
	}
	rt, _, err := o.Store.Get(key)
	if errors.Is(err, credstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, exit.Usage(err)
	}
	if learn != nil {
		learn(rt.Reveal())
	}
	return o.refresher(key, learn), nil
}

// refresher signs in with the kept refresh token: under the store's lock
// it reads the token (another process may have replaced it since), trades
// it for an access token and keeps the one that replaces it.
func (o Options) refresher(key credstore.Key, learn func(...string)) func(context.Context, *imanage.Client) (secret.Secret, error) {
	return func(ctx context.Context, c *imanage.Client) (secret.Secret, error) {
		var access secret.Secret
		err := o.Store.Update(ctx, key, time.Now, func(rt secret.Secret) (secret.Secret, error) {
			if rt.IsZero() {
				return secret.Secret{}, fmt.Errorf("%w: the sign-in kept for %s is gone (bulk logout?): run 'bulk login%s' again",
					imanage.ErrSignIn, o.what(), o.profileFlag())
			}
			t, err := c.RefreshGrant(ctx, rt)
			if err != nil {
				if e, ok := imanage.AsError(err); ok && e.Code == imanage.CodeInvalidGrant {
					return secret.Secret{}, fmt.Errorf("the sign-in kept by 'bulk login' for %s was refused (expired, revoked, or used by another copy of it): run 'bulk login%s' again: %w",
						o.what(), o.profileFlag(), err)
				}
				return secret.Secret{}, err
			}
			if learn != nil {
				learn(t.Access.Reveal(), t.Refresh.Reveal())
			}
			access = t.Access
			return t.Refresh, nil // zero: the service does not rotate, the same one stays
		})
		if err != nil && !errors.Is(err, imanage.ErrSignIn) && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w: %w", imanage.ErrSignIn, err)
		}
		return access, err
	}
}
