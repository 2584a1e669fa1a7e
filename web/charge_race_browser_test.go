package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/payment"
)

// TestBrowserExtensionAfterReturnRefused: staff open a contract from the
// home screen while the car is out and fill in an extension charge; before
// they confirm the amount, a colleague records the car's return (and
// billing runs). The confirmation is refused with the reason in German —
// the car is back, the card was not charged, the final invoice bills the
// period — nothing is charged, and the form, shown again empty (its text
// must not go out as a damage), no longer offers an extension (a damage
// still can be charged).
func TestBrowserExtensionAfterReturnRefused(t *testing.T) {
	ce, _, ct, _ := handedOver(t, store.SQLite)
	supplierReady(t, ce)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	fail := testenv.Steps(t, tab, "extension-race")
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("open the contract", chromedp.Do(ctx, append(toContract(ct.ID),
		chromedp.WaitVisible(chromedp.ID("charge-form")),
	)...))
	fail("fill in the extension", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-kind"), "extension"),
		chromedp.SendKeys(chromedp.ID("f-description"), "Verlängerung um einen Tag"),
		chromedp.SendKeys(chromedp.ID("f-amount"), "69,00"),
		chromedp.Click(chromedp.ID("charge-save")),
		chromedp.WaitVisible(chromedp.ID("charge-confirm-save")),
	))
	testenv.Screenshot(t, ctx, "extension-confirm")
	// meanwhile a colleague takes the car back; billing runs
	staff := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID,
		UserID: 1, Name: "Kollegin", Role: identity.RoleAdmin})
	_, _, err := ce.svc.Return(staff, &contract.Return{ContractID: ct.ID, Protocol: contract.Protocol{OdometerKM: 5200,
		FuelEighths: 8, Cleanliness: "clean", UnsignedReason: "Schlüsselkasten"}})
	must(t, err)
	fail("confirm", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("charge-confirm-save")),
		chromedp.WaitVisible(chromedp.CSS(`p.alert`)),
	))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.alert`)))
	fail("read the message", err)
	if want := "Das Fahrzeug ist bereits zurückgenommen; die Karte wurde nicht belastet."; !strings.HasPrefix(msg, want) {
		t.Errorf("message %q, want it to start %q", msg, want)
	}
	kinds, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#f-kind option')].map(o => o.value)`))
	fail("read the kinds", err)
	if strings.Join(kinds, ",") != "damage" {
		t.Errorf("the form offers %v after the return, want damage only", kinds)
	}
	desc, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-description")))
	fail("read the description", err)
	if desc != "" {
		t.Errorf("the form keeps %q, ready to go out as a damage", desc)
	}
	testenv.AxeClean(t, ctx, "contract with the refused extension")
	testenv.Screenshot(t, ctx, "extension-refused")
	recs, err := ce.store.ListPayments(ce.sys(), payment.RecordFilter{ContractID: ct.ID})
	must(t, err)
	for _, r := range recs {
		if r.Purpose == contract.PurposeExtension {
			t.Errorf("an extension was recorded: %+v", r)
		}
	}
}

// toContract are the clicks from any admin page to contract id: Verträge
// → Alle Tage → the contract.
func toContract(id int64) []chromedp.Action[chromedp.Void] {
	link := fmt.Sprintf(`a[href="/admin/contracts/%d"]`, id)
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/contracts"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/contracts?day=all"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/admin/contracts?day=all"]`)),
		chromedp.WaitVisible(chromedp.CSS(link)),
		chromedp.Click(chromedp.CSS(link)),
	}
}
