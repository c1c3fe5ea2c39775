package identity

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Errors of hardware tokens.
var (
	ErrTokenBound = errors.New("identity: the token is bound to another user")
	// ErrTokenOfAnotherProvider: a token belongs to the provider whose import brought it.
	ErrTokenOfAnotherProvider = errors.New("identity: the token belongs to another provider")
)

// HardwareToken is an imported hardware TOTP token (inloggningsdosa): its seed, the
// provider (utförare) whose import brought it, and the user it is bound to once that
// provider's unit representative, or an administrator, hands it out.
type HardwareToken struct {
	Serial     string    `json:"serial"`
	Secret     string    `json:"secret"` // base32
	ProviderID string    `json:"provider_id,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
	UserID     string    `json:"user_id,omitempty"`
}

// ImportResult tells what an import did, by serial.
type ImportResult struct {
	Added    []string `json:"added"`
	Replaced []string `json:"replaced"` // the seed changed on a token not handed out
	Kept     []string `json:"kept"`     // bound tokens keep their seed: unbind them first
}

// ImportTokens stores the seeds of a provider's imported tokens in one transaction. A
// token already bound to a user keeps its seed. A serial another provider imported
// refuses the whole import (ErrTokenOfAnotherProvider): nothing is stored.
func (s *Store) ImportTokens(providerID string, tokens []HardwareToken, now time.Time) (ImportResult, error) {
	res := ImportResult{Added: []string{}, Replaced: []string{}, Kept: []string{}}
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		if err := exists(tx.Provider(providerID)); errors.Is(err, ErrNotFound) {
			return fmt.Errorf("identity: tokens for unknown provider %s: %w", providerID, ErrNotFound)
		} else if err != nil {
			return err
		}
		for _, t := range tokens {
			old, err := tx.Token(t.Serial)
			switch {
			case errors.Is(err, ErrNotFound):
				res.Added = append(res.Added, t.Serial)
			case err != nil:
				return err
			case old.ProviderID != "" && old.ProviderID != providerID:
				// (A token imported before tokens had providers is taken by the first
				// provider to import it again.)
				return fmt.Errorf("%w: %s", ErrTokenOfAnotherProvider, t.Serial)
			case old.UserID != "":
				res.Kept = append(res.Kept, t.Serial)
				continue
			default:
				res.Replaced = append(res.Replaced, t.Serial)
			}
			t.ImportedAt, t.UserID, t.ProviderID = now, "", providerID
			if err := tx.PutToken(t); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// BindToken makes the token with serial the user's TOTP factor, releasing a token the
// user had before. The token's used-step memory starts afresh with its own seed. When
// providers is not nil, the token must be one of theirs (ErrTokenOfAnotherProvider);
// nil (an administrator) takes any token.
func (s *Store) BindToken(userID, serial string, providers []string) error {
	return s.db.UpdateIdentity(func(tx RecordsTx) error {
		t, err := tx.Token(serial)
		if err != nil {
			return fmt.Errorf("identity: token %s: %w", serial, err)
		}
		if providers != nil && !slices.Contains(providers, t.ProviderID) {
			return ErrTokenOfAnotherProvider
		}
		if t.UserID != "" && t.UserID != userID {
			return ErrTokenBound
		}
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		if u.TokenSerial != "" && u.TokenSerial != serial {
			if old, err := tx.Token(u.TokenSerial); err == nil {
				old.UserID = ""
				if err := tx.PutToken(old); err != nil {
					return err
				}
			}
		}
		if u.TOTPSecret != t.Secret {
			u.TOTPLastStep = 0
		}
		u.TOTPSecret, u.TokenSerial, u.PendingTOTPSecret = t.Secret, serial, ""
		t.UserID = userID
		if err := tx.PutToken(t); err != nil {
			return err
		}
		return tx.PutUser(u)
	})
}

// ReleaseToken unbinds a hardware token from whoever holds it (after they enrolled an
// authenticator app instead), so that it can be handed out again.
func (s *Store) ReleaseToken(serial string) error {
	return s.db.UpdateIdentity(func(tx RecordsTx) error {
		t, err := tx.Token(serial)
		if err != nil {
			return err
		}
		t.UserID = ""
		return tx.PutToken(t)
	})
}
