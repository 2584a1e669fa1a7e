package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/locale"
)

// maxBody bounds a request body.
const maxBody = 64 << 10

// readBody reads the request body (at most maxBody) and puts it back for
// the handler. A body must be JSON: a Content-Type other than
// application/json (optionally with charset=utf-8) is KindUnsupportedMedia,
// checked before anything else (also before an Idempotency-Key is taken).
func readBody(r *http.Request) ([]byte, error) {
	if err := jsonContentType(r); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errs.Invalid("request.body_unreadable")
	}
	if len(b) > maxBody {
		return nil, errs.Invalid("request.body_too_large")
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// jsonContentType accepts a request without a Content-Type (a client that
// sends JSON without saying so) and application/json with no parameter
// but charset=utf-8; application/jsonx, text/plain, form data and the like
// are refused.
func jsonContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	ok := err == nil && mt == "application/json"
	for k, v := range params {
		ok = ok && k == "charset" && strings.EqualFold(v, "utf-8")
	}
	if !ok {
		return &errs.Error{Kind: errs.KindUnsupportedMedia, Code: "unsupported_media_type",
			Message: "send the body as application/json (Content-Type: application/json)"}
	}
	return nil
}

// requestHash fingerprints a request: method, path and the body with
// insignificant whitespace removed.
func requestHash(r *http.Request, body []byte) string {
	var c bytes.Buffer
	if json.Compact(&c, body) != nil {
		c.Reset()
		c.Write(body)
	}
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	h.Write(c.Bytes())
	return hex.EncodeToString(h.Sum(nil))
}

// idempotent wraps h with Stripe-style Idempotency-Key handling: the first
// request with a key is processed and its answer stored; the same key with
// the same request replays that answer for 24 h (header Idempotent-Replayed:
// true); the same key with another request is answered 422; while the first
// is still running, 409. Only an outcome is stored (idempotency.Outcome):
// a request that fails validation (422) does not keep the key, and a
// request that ends in a server or infrastructure error (5xx) keeps it
// unlocked without an answer, so that its retry resumes what it began (a
// booking is bound to its key: see booking.Service.Book). A key whose
// request's process died is taken over when its lock expires, and the
// retry resumes likewise. The key reaches the handler in the request
// context (keyFrom). required makes the header mandatory. A handler whose
// answer was stored for the key with the work it answers (in the same
// transaction: see booking.BookRequest.Answer) returns it as a stored
// rawResponse (storedAnswer), sent as it is and not stored again.
func (s *server) idempotent(required bool, h handlerFunc) handlerFunc {
	return func(r *http.Request) (int, any, error) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			if required {
				return 0, nil, errs.Invalid("idempotency.key_required",
					errs.Field("Idempotency-Key", "field.required"))
			}
			return h(r)
		}
		if len(key) > 255 {
			return 0, nil, errs.Invalid("idempotency.key_too_long",
				errs.Field("Idempotency-Key", "field.too_long", locale.Params{"n": 255}))
		}
		body, err := readBody(r)
		if err != nil {
			return 0, nil, err
		}
		ctx := r.Context()
		replay, first, err := s.d.Idempotency.BeginIdempotent(ctx, key, r.Method, r.URL.Path, requestHash(r, body), s.d.IdempotencyLock)
		if err != nil {
			return 0, nil, err
		}
		if replay != nil {
			raw := answerOf(*replay)
			raw.replayed = true
			return replay.StatusCode, raw, nil
		}
		r = r.WithContext(context.WithValue(ctx, keyCtx{}, heldKey{key, first}))
		status, out, herr := h(r)
		if raw, ok := out.(rawResponse); ok && raw.stored && herr == nil {
			return raw.status, raw, nil // stored for the key with the work it answers
		}
		var raw rawResponse
		if herr != nil {
			p := problemFor(r, herr)
			s.logProblem(r, p, herr)
			body, _ := json.Marshal(p)
			raw = rawResponse{status: p.Status, contentType: "application/problem+json", body: append(body, '\n')}
		} else if raw, err = jsonAnswer(status, out); err != nil {
			return 0, nil, err
		}
		wctx := withoutCancel(ctx)
		code := ""
		if e, ok := errs.As(herr); ok {
			code = string(e.Code)
		}
		switch {
		case errs.KindOf(herr) == errs.KindInvalid:
			if err := s.d.Idempotency.ReleaseIdempotent(wctx, key); err != nil {
				s.d.Logger.ErrorContext(ctx, "api: release idempotency key", "err", err)
			}
		case !idempotency.Outcome(raw.status, code):
			if err := s.d.Idempotency.UnlockIdempotent(wctx, key); err != nil {
				s.d.Logger.ErrorContext(ctx, "api: unlock idempotency key", "err", err)
			}
		default:
			if err := s.d.Idempotency.FinishIdempotent(wctx, key, raw.response()); err != nil {
				s.d.Logger.ErrorContext(ctx, "api: store idempotent answer", "err", err)
			}
		}
		return raw.status, raw, nil
	}
}

// jsonAnswer is the answer to a handler's output out with status: its JSON
// and a newline, the bytes the API sends and stores for a key.
func jsonAnswer(status int, out any) (rawResponse, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return rawResponse{}, err
	}
	return rawResponse{status: status, contentType: "application/json", body: append(b, '\n')}, nil
}

// answerOf is a stored answer, to be sent as it is.
func answerOf(r idempotency.Response) rawResponse {
	return rawResponse{status: r.StatusCode, contentType: r.ContentType, body: r.Body}
}

// storedAnswer is a handler's answer that is already stored for the
// request's key: the idempotent wrapper sends it and stores nothing.
func storedAnswer(r idempotency.Response) rawResponse {
	raw := answerOf(r)
	raw.stored = true
	return raw
}

// response is raw as stored for a key.
func (raw rawResponse) response() idempotency.Response {
	return idempotency.Response{StatusCode: raw.status, ContentType: raw.contentType, Body: raw.body}
}

type keyCtx struct{}

// heldKey is the Idempotency-Key the request holds; first: no earlier
// request with it began (see idempotency.Store.BeginIdempotent).
type heldKey struct {
	key   string
	first bool
}

// keyFrom returns the Idempotency-Key the request was made with ("" without one).
func keyFrom(r *http.Request) string {
	k, _ := r.Context().Value(keyCtx{}).(heldKey)
	return k.key
}

// keyFirst reports whether the request's Idempotency-Key was used for the
// first time.
func keyFirst(r *http.Request) bool {
	k, _ := r.Context().Value(keyCtx{}).(heldKey)
	return k.first
}
