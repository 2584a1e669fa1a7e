//go:build faultinject

package main

import (
	"context"
	"os"
	"strings"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/mail"
)

// Fault injection for the process tests, compiled only with
// "go build -tags faultinject": with MIETWERK_FAULT_PANIC=<text>, rendering
// a document for a customer whose name contains text, and sending an
// e-mail to such a name, panic. It stands in for a bug that only one row's
// data triggers (as an emoji once crashed the PDF library), so the tests
// can show that the background jobs survive such a row.
func init() {
	text := os.Getenv("MIETWERK_FAULT_PANIC")
	if text == "" {
		return
	}
	faultInject = func(r document.Renderer, t mail.Transport) (document.Renderer, mail.Transport) {
		return faultRenderer{r, text}, faultTransport{t, text}
	}
}

type faultRenderer struct {
	document.Renderer
	text string
}

func (f faultRenderer) check(name string) {
	if strings.Contains(name, f.text) {
		panic("fault injection: rendering a document for " + name)
	}
}

func (f faultRenderer) Invoice(ctx context.Context, d document.InvoiceDoc) ([]byte, error) {
	f.check(d.Invoice.Recipient.Name)
	return f.Renderer.Invoice(ctx, d)
}

func (f faultRenderer) Protocol(ctx context.Context, d document.ProtocolDoc) ([]byte, error) {
	f.check(d.Customer.Name)
	return f.Renderer.Protocol(ctx, d)
}

func (f faultRenderer) Contract(ctx context.Context, d document.ContractDoc) ([]byte, error) {
	f.check(d.Customer.Name)
	return f.Renderer.Contract(ctx, d)
}

type faultTransport struct {
	mail.Transport
	text string
}

func (f faultTransport) Send(ctx context.Context, m mail.Message) (string, error) {
	if strings.Contains(m.To.Name, f.text) {
		panic("fault injection: sending an e-mail to " + m.To.Name)
	}
	return f.Transport.Send(ctx, m)
}
