package secret

import (
	"crypto/rand"
	"errors"
	"math/big"
)

// Character classes of generated passwords. Look-alikes (l, I, O, 0, 1)
// are left out: these passwords are read off a file and typed.
const (
	lowerChars  = "abcdefghijkmnopqrstuvwxyz"
	upperChars  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	digitChars  = "23456789"
	symbolChars = "!#%*+-=?@^_"
)

// GeneratedLength is the length of the passwords Generate makes.
const GeneratedLength = 20

// Generate makes a strong random password of n characters (at least 5)
// from crypto/rand: at least one lower-case letter, one upper-case letter,
// one digit and one symbol, so it meets the usual complexity rules. It
// never begins with a symbol: a spreadsheet reads a cell that begins with
// =, +, - or @ as a formula and changes it.
func Generate(n int) (Secret, error) {
	if n < 5 {
		return Secret{}, errors.New("a generated password needs at least 5 characters")
	}
	classes := []string{lowerChars, upperChars, digitChars, symbolChars}
	all := lowerChars + upperChars + digitChars + symbolChars
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		c, err := pick(set)
		if err != nil {
			return Secret{}, err
		}
		out[i] = c
	}
	// Shuffle so the class characters are not always first...
	for i := len(out) - 1; i > 0; i-- {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return Secret{}, err
		}
		out[i], out[k.Int64()] = out[k.Int64()], out[i]
	}
	// ...then put a letter or digit first, swapped with one further on so
	// that every class stays.
	if !isAlnum(out[0]) {
		for i := 1; i < len(out); i++ {
			if isAlnum(out[i]) {
				out[0], out[i] = out[i], out[0]
				break
			}
		}
	}
	return New(string(out)), nil
}

func pick(set string) (byte, error) {
	k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, err
	}
	return set[k.Int64()], nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
