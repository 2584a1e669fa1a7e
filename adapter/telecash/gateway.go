package telecash

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
)

// Sale sends a PaymentCardSaleTransaction (with createToken and FIRST
// stored credentials when p.StoreCard). See payment.Gateway for the contract.
func (c *Client) Sale(ctx context.Context, p payment.CardPayment) (payment.Result, error) {
	return c.cardPayment(ctx, payment.OpSale, typeCardSale, p)
}

// PreAuth sends a PaymentCardPreAuthTransaction (with createToken and FIRST
// stored credentials when p.StoreCard).
func (c *Client) PreAuth(ctx context.Context, p payment.CardPayment) (payment.Result, error) {
	return c.cardPayment(ctx, payment.OpPreAuth, typeCardPreAuth, p)
}

// TokenSale sends a PaymentTokenSaleTransaction as merchant-initiated
// SUBSEQUENT use of the stored card.
func (c *Client) TokenSale(ctx context.Context, p payment.TokenPayment) (payment.Result, error) {
	return c.tokenPayment(ctx, payment.OpTokenSale, typeTokenSale, p)
}

// TokenPreAuth sends a PaymentTokenPreAuthTransaction as merchant-initiated
// SUBSEQUENT use of the stored card.
func (c *Client) TokenPreAuth(ctx context.Context, p payment.TokenPayment) (payment.Result, error) {
	return c.tokenPayment(ctx, payment.OpTokenPreAuth, typeTokenPreAuth, p)
}

// Capture sends a PostAuthTransaction to POST /payments/{id}, or to
// POST /orders/{orderId} when c.TransactionID is empty.
func (c *Client) Capture(ctx context.Context, cp payment.Capture) (payment.Result, error) {
	if err := cp.Validate(); err != nil {
		return payment.Result{Operation: payment.OpCapture, Outcome: payment.Failed}, err
	}
	body := c.secondaryBody(typePostAuth, cp.MerchantTransactionID, &cp.Amount)
	return c.transact(ctx, sent{op: payment.OpCapture, ref: cp.Ref, amount: cp.Amount}, secondaryPath(cp.TransactionID, cp.OrderID), body)
}

// Refund sends a ReturnTransaction to POST /payments/{id}, or to
// POST /orders/{orderId} when r.TransactionID is empty.
func (c *Client) Refund(ctx context.Context, rf payment.Refund) (payment.Result, error) {
	if err := rf.Validate(); err != nil {
		return payment.Result{Operation: payment.OpRefund, Outcome: payment.Failed}, err
	}
	body := c.secondaryBody(typeReturn, rf.MerchantTransactionID, &rf.Amount)
	return c.transact(ctx, sent{op: payment.OpRefund, ref: rf.Ref, amount: rf.Amount}, secondaryPath(rf.TransactionID, rf.OrderID), body)
}

// Void sends a VoidTransaction to POST /payments/{id}.
func (c *Client) Void(ctx context.Context, v payment.Void) (payment.Result, error) {
	return c.void(ctx, payment.OpVoid, typeVoid, v)
}

// VoidPreAuth sends a VoidPreAuthTransactions to POST /payments/{id}.
func (c *Client) VoidPreAuth(ctx context.Context, v payment.Void) (payment.Result, error) {
	return c.void(ctx, payment.OpVoidPreAuth, typeVoidPreAuth, v)
}

// CreateToken sends a PaymentCardPaymentTokenizationRequest to
// POST /payment-tokens (without account verification).
func (c *Client) CreateToken(ctx context.Context, t payment.TokenCreate) (payment.Result, error) {
	if err := t.Validate(); err != nil {
		return payment.Result{Operation: payment.OpCreateToken, Outcome: payment.Failed}, err
	}
	s := sent{op: payment.OpCreateToken, ref: payment.Ref{MerchantTransactionID: t.MerchantTransactionID}, token: t.TokenID}
	r, err := c.transact(ctx, s, "/payment-tokens", c.tokenizationBody(t))
	if r.Outcome == payment.Approved && r.Card.Last4 == "" {
		r.Card = t.Card.Info()
	}
	return r, err
}

// DeleteToken sends DELETE /payment-tokens/{token}.
func (c *Client) DeleteToken(ctx context.Context, token string) (payment.Result, error) {
	if err := payment.ValidateID("token", token, payment.MaxTokenLen); err != nil {
		return payment.Result{Operation: payment.OpDeleteToken, Outcome: payment.Failed}, err
	}
	s := sent{op: payment.OpDeleteToken, token: token}
	return c.transactMethod(ctx, s, http.MethodDelete, "/payment-tokens/"+url.PathEscape(token)+c.storeQuery(), nil)
}

// InquireTransaction sends GET /payments/{id}. id may be our merchant
// transaction id or the gateway's transaction id.
func (c *Client) InquireTransaction(ctx context.Context, id string) (payment.Result, error) {
	if err := payment.ValidateID("merchantTransactionId", id, payment.MaxOrderIDLen); err != nil {
		return payment.Result{Operation: payment.OpInquireTransaction}, err
	}
	path := "/payments/" + url.PathEscape(id) + c.storeQuery()
	started := time.Now()
	ex := c.send(ctx, http.MethodGet, path, nil)
	if err := inquiryError(ex, "payment_transaction_not_found"); err != nil {
		c.logInquiry(ctx, payment.OpInquireTransaction, path, ex, err, started)
		return payment.Result{Operation: payment.OpInquireTransaction, MerchantTransactionID: id}, err
	}
	r := resultOf(sent{op: payment.OpInquireTransaction}, ex)
	c.logResult(ctx, http.MethodGet, path, ex, r, started)
	return r, nil
}

// InquireOrder sends GET /orders/{orderId} and returns one Result per
// transaction of the order.
func (c *Client) InquireOrder(ctx context.Context, orderID string) ([]payment.Result, error) {
	if err := payment.ValidateID("orderId", orderID, payment.MaxOrderIDLen); err != nil {
		return nil, err
	}
	path := "/orders/" + url.PathEscape(orderID) + c.storeQuery()
	started := time.Now()
	ex := c.send(ctx, http.MethodGet, path, nil)
	err := inquiryError(ex, "payment_order_not_found")
	var body orderResponse
	if err == nil && json.Unmarshal(ex.body, &body) != nil {
		err = errs.Wrap(errs.KindUnavailable, "gateway_unreadable", reasonErr("unreadable order inquiry response"))
	}
	c.logInquiry(ctx, payment.OpInquireOrder, path, ex, err, started)
	if err != nil {
		return nil, err
	}
	out := make([]payment.Result, 0, len(body.Transactions))
	for i := range body.Transactions {
		r := payment.Result{Operation: payment.OpInquireOrder, OrderID: orderID}
		fill(&r, &body.Transactions[i])
		r.Outcome, r.Reason = outcomeOf(&body.Transactions[i])
		out = append(out, r)
	}
	return out, nil
}

func (c *Client) cardPayment(ctx context.Context, op payment.Operation, requestType string, p payment.CardPayment) (payment.Result, error) {
	if err := p.Validate(); err != nil {
		return payment.Result{Operation: op, Outcome: payment.Failed, MerchantTransactionID: p.MerchantTransactionID, OrderID: p.OrderID}, err
	}
	r, err := c.transact(ctx, sent{op: op, ref: p.Ref, amount: p.Amount}, "/payments", c.cardPaymentBody(requestType, p))
	if r.Card.Last4 == "" {
		r.Card = p.Card.Info()
	}
	return r, err
}

func (c *Client) tokenPayment(ctx context.Context, op payment.Operation, requestType string, p payment.TokenPayment) (payment.Result, error) {
	if err := p.Validate(); err != nil {
		return payment.Result{Operation: op, Outcome: payment.Failed, MerchantTransactionID: p.MerchantTransactionID, OrderID: p.OrderID}, err
	}
	return c.transact(ctx, sent{op: op, ref: p.Ref, amount: p.Amount, token: p.Token}, "/payments", c.tokenPaymentBody(requestType, p))
}

func (c *Client) void(ctx context.Context, op payment.Operation, requestType string, v payment.Void) (payment.Result, error) {
	if err := v.Validate(); err != nil {
		return payment.Result{Operation: op, Outcome: payment.Failed}, err
	}
	body := c.secondaryBody(requestType, v.MerchantTransactionID, nil)
	return c.transact(ctx, sent{op: op, ref: v.Ref}, "/payments/"+url.PathEscape(v.TransactionID), body)
}

func secondaryPath(txID, orderID string) string {
	if txID != "" {
		return "/payments/" + url.PathEscape(txID)
	}
	return "/orders/" + url.PathEscape(orderID)
}

// transact POSTs body to path and maps the answer to a Result; the error
// is notSentError when the request never left.
func (c *Client) transact(ctx context.Context, s sent, path string, body any) (payment.Result, error) {
	return c.transactMethod(ctx, s, http.MethodPost, path, body)
}

func (c *Client) transactMethod(ctx context.Context, s sent, method, path string, body any) (payment.Result, error) {
	started := time.Now()
	ex := c.send(ctx, method, path, body)
	r := resultOf(s, ex)
	c.logResult(ctx, method, path, ex, r, started)
	if ex.notSent {
		r.Outcome, r.Reason = payment.Failed, payment.Reason{Code: payment.ReasonNotSent, Message: redactErr(ex.err)}
		return r, notSentError(ex)
	}
	return r, nil
}

// inquiryError returns nil for a 2xx answer, else the error an inquiry
// reports: KindNotFound for 404, KindUnavailable for everything else.
func inquiryError(ex exchange, notFound locale.Key) error {
	switch {
	case ex.err != nil:
		return errs.Wrap(errs.KindUnavailable, "gateway_unavailable", ex.err)
	case ex.status >= 200 && ex.status < 300:
		return nil
	case ex.status == http.StatusNotFound:
		return errs.NotFound(notFound)
	}
	return errs.Wrap(errs.KindUnavailable, "gateway_refused_inquiry", reasonErr("HTTP "+strconv.Itoa(ex.status)))
}

type reasonErr string

func (e reasonErr) Error() string { return string(e) }

func (c *Client) logInquiry(ctx context.Context, op payment.Operation, path string, ex exchange, err error, started time.Time) {
	lvl, msg := slog.LevelInfo, ""
	if err != nil {
		msg = err.Error()
		if !errs.Is(err, errs.KindNotFound) {
			lvl = slog.LevelWarn
		}
	}
	c.log.LogAttrs(ctx, lvl, "telecash inquiry",
		slog.String("op", string(op)), slog.String("method", http.MethodGet), slog.String("path", path),
		slog.Int("status", ex.status), slog.String("client_request_id", ex.clientRequestID),
		slog.String("error", msg), slog.Duration("elapsed", time.Since(started)))
}
