package payment

import "context"

// SingleGateway serves the same gateway to every tenant (tests, and the demo
// with its one built-in simulator), and Test to test-mode payments.
type SingleGateway struct{ G, Test Gateway }

// Gateway returns the one gateway.
func (s SingleGateway) Gateway(context.Context, int64) (Gateway, error) { return s.G, nil }

// TestGateway returns the gateway of test-mode payments (ErrNoTestGateway
// without one).
func (s SingleGateway) TestGateway(context.Context, int64) (Gateway, error) {
	if s.Test == nil {
		return nil, ErrNoTestGateway
	}
	return s.Test, nil
}
