// Package sms sends one-time login codes by SMS to the registered work phone
// (tjänstetelefonen) of a home-care worker (hemtjänstpersonal).
//
// A Sender delivers one text to one number. ConsoleSender prints the message and is meant
// for development; HTTPSender posts it to an SMS gateway (for example 46elks). NewCode
// draws a code and NormalizePhone brings a phone number to its E.164 form.
//
// The phone number and the text (which holds the code) are personal data and a secret.
// Nothing in this package logs, and no error it returns holds the number, the text or
// what a gateway answered.
package sms

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"sync"
)

// Sender sends one SMS. to is a phone number in E.164 form (see NormalizePhone) and text
// the message. Send returns nil once the message has been handed over for delivery.
type Sender interface {
	Send(ctx context.Context, to, text string) error
}

// CodeLength is the number of digits of a login code (engångskod).
const CodeLength = 6

// codeSpace is 10^CodeLength, the number of possible codes.
var codeSpace = big.NewInt(1_000_000)

// NewCode returns a one-time login code: six decimal digits, leading zeros kept, drawn
// uniformly from crypto/rand, so every code from "000000" to "999999" is equally likely.
func NewCode() (string, error) {
	n, err := rand.Int(rand.Reader, codeSpace) // uniform in [0, 10^6), no modulo bias
	if err != nil {
		return "", fmt.Errorf("sms: drawing a code: %w", err)
	}
	return fmt.Sprintf("%0*d", CodeLength, n.Int64()), nil
}

// ConsoleSender writes each message as one line "SMS to <number>: <text>" to W (os.Stdout
// if W is nil). It is for development only: it sends nothing, and it prints the login
// code in clear text, so it must never be used in production. Line breaks in the number
// or text are written as \r and \n so that each message stays one line.
//
// A ConsoleSender is safe for concurrent use; it must not be copied after first use.
type ConsoleSender struct {
	W io.Writer

	mu sync.Mutex // serialises writes to W
}

var _ Sender = (*ConsoleSender)(nil)

// oneLine escapes line breaks so a message cannot span or forge lines of output.
var oneLine = strings.NewReplacer("\r", `\r`, "\n", `\n`)

// Send writes the message to W. It fails if ctx is already done or the write fails.
func (c *ConsoleSender) Send(ctx context.Context, to, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.W
	if w == nil {
		w = os.Stdout
	}
	if _, err := fmt.Fprintf(w, "SMS to %s: %s\n", oneLine.Replace(to), oneLine.Replace(text)); err != nil {
		return fmt.Errorf("sms: console: %w", err)
	}
	return nil
}
