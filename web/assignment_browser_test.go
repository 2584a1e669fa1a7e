package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/payer"
)

// TestBrowserAssignmentOfClaims: staff go from the home screen to an
// insurer-covered rental, see that its assignment of claims is missing,
// open it, try to save without a signature (refused, named), have the
// customer sign on the pad and come back to the contract, which now shows
// who signed and links the PDF; axe finds nothing serious on the page.
func TestBrowserAssignmentOfClaims(t *testing.T) {
	ce, _, ct, _ := handedOver(t, store.SQLite)
	supplierReady(t, ce)
	ins, _, _ := coverPayers(t, ce.env)
	must(t, ce.store.SetCover(ce.sys(), &payer.Cover{ReservationID: ct.ReservationID, Mode: payer.ModePayer, PayerID: ins.ID,
		ClaimNumber: "KS-2026-4711", DamageDate: "2026-11-20", AtFaultParty: "Max Muster, R-XY 1"}))
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed-assignment-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("contract", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/contracts"]`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/admin/contracts/%d"]`, ct.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/contracts/%d"]`, ct.ID))),
		chromedp.WaitVisible(chromedp.ID("assignment-sign")),
		chromedp.Click(chromedp.ID("assignment-sign")),
		chromedp.WaitVisible(chromedp.ID("as-text")),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("as-text")))
	fail("read text", err)
	if !strings.Contains(text, "KS-2026-4711") || !strings.Contains(text, "erfüllungshalber") || !strings.Contains(text, "Max Muster, R-XY 1") {
		t.Errorf("assignment text:\n%s", text)
	}
	testenv.AxeClean(t, ctx, "assignment")
	fail("unsigned", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("as-sign")),
		chromedp.WaitVisible(chromedp.CSS(`p.field-error[data-field="signature"]`)),
	))
	fail("sign", testenv.DrawSignature(ctx))
	fail("save", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("as-sign")),
		chromedp.WaitVisible(chromedp.ID("assignment-pdf")),
	))
	card, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cover-assignment")))
	fail("read card", err)
	as, ok, err := ce.store.Assignment(ce.sys(), ct.ReservationID)
	must(t, err)
	if !ok || !strings.Contains(card, "Unterschrieben von "+as.SignerName) || len(as.SignaturePNG) < 100 {
		t.Errorf("card %q, stored %v %q (%d bytes of signature)", card, ok, as.SignerName, len(as.SignaturePNG))
	}
	// listed with the contract's documents, like the protocols
	doc, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#doc-list li[data-kind="assignment"]`)))
	fail("read the document list", err)
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("doc-assignment"), "href"))
	fail("read the link", err)
	if !strings.Contains(doc, "Abtretungserklärung") || !strings.Contains(doc, "unterschrieben von "+as.SignerName) ||
		href.Value != fmt.Sprintf("/admin/reservations/%d/assignment.pdf", ct.ReservationID) {
		t.Errorf("documents list the assignment as %q → %q", doc, href.Value)
	}
	testenv.Screenshot(t, ctx, "assignment-signed")
}
