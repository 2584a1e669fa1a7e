package main

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// The demo's day, seeded through the services serve wires: today has a
// pickup and a return, a contract is overdue, a car waits to be cleaned,
// a car's HU is overdue, a returned contract has a fine case, and every online booking's approved payments are
// the simulator's approved transactions of the same amount. A second
// seeding adds nothing.
func TestDemoDay(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--data-dir", dir, "--mail-transport", "keep"}
			if dialect == "postgres" {
				args = append(args, "--database-url", testenv.PostgresDSN(t))
			}
			sd := startSeeded(t, dir, args)
			must(t, sd.svc.seedDemoDay(sd.ctx))
			tn, err := sd.st.TenantBySlug(identity.WithActor(sd.ctx, identity.System()), demo.Slug)
			must(t, err)
			ctx := identity.WithActor(sd.ctx, identity.SystemFor(tn.ID))
			station, err := sd.st.StationByCode(ctx, demo.DayStation)
			must(t, err)
			today := time.Now().In(station.Location()).Format("2006-01-02")
			dayOf := func(at time.Time) string { return at.In(station.Location()).Format("2006-01-02") }

			rs, nres, err := sd.st.ListReservations(ctx, booking.Filter{Limit: 500})
			must(t, err)
			pickupToday, online := false, 0
			for _, r := range rs {
				pickupToday = pickupToday || dayOf(r.Pickup) == today && r.Status == booking.StatusConfirmed
				if r.Source != "api" {
					continue
				}
				online++
				recs, err := sd.st.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
				must(t, err)
				approved := 0
				for _, p := range recs {
					if p.Status != payment.StatusApproved {
						t.Errorf("booking %s: payment %s is %s", r.Number, p.Operation, p.Status)
						continue
					}
					approved++
					tx, ok := sd.svc.sim.Server().Sim.Transaction(p.GatewayTransactionID)
					if !ok || tx.Result != "APPROVED" || tx.Cents != p.Amount.Cents {
						t.Errorf("booking %s: payment %s %d cents (%s) is at the simulator %+v (found %v)", r.Number, p.Operation,
							p.Amount.Cents, p.GatewayTransactionID, tx, ok)
					}
				}
				if approved == 0 {
					t.Errorf("online booking %s has no approved payment", r.Number)
				}
				if _, n, err := sd.st.ListEmails(ctx, mail.Filter{ReservationID: r.ID, Limit: 1}); err != nil || n == 0 {
					t.Errorf("online booking %s: %d e-mails (%v), want its confirmation", r.Number, n, err)
				}
			}
			if !pickupToday {
				t.Errorf("no pickup today (%s)", today)
			}
			if online == 0 {
				t.Errorf("no online booking paid by card")
			}

			cs, ncon, err := sd.st.ListContracts(ctx, contract.Filter{Limit: 100})
			must(t, err)
			returnToday, overdue, electric := false, false, false
			for _, c := range cs {
				if c.Status != contract.StatusOpen {
					continue
				}
				if c.Terms.DriveType == fleet.DriveElectric && c.Terms.BatteryKWh == 58 && c.Terms.ChargingRule == "per_kwh" {
					ps, err := sd.st.Protocols(ctx, c.ID)
					must(t, err)
					electric = len(ps) == 1 && ps[0].ChargePercent != nil
				}
				returnToday = returnToday || dayOf(c.PlannedEnd) == today
				overdue = overdue || dayOf(c.PlannedEnd) < today
			}
			if !electric {
				t.Errorf("no running contract of the electric car (58 kWh, charging per kWh) with its state of charge at handover")
			}
			if !returnToday || !overdue {
				t.Errorf("running contracts: a return today %v, an overdue one %v; want both (%d contracts)", returnToday, overdue, len(cs))
			}

			vs, _, err := sd.st.ListVehicles(ctx, fleet.VehicleFilter{Limit: 500})
			must(t, err)
			toClean, huDue := false, false
			for _, v := range vs {
				toClean = toClean || v.Readiness == fleet.ToClean
				huDue = huDue || v.Status == fleet.StatusAvailable && v.NextInspection != "" && v.NextInspection < today
			}
			if !toClean || !huDue {
				t.Errorf("a car to clean %v, a car with HU overdue %v; want both", toClean, huDue)
			}
			// the courtesy car returned now is billed to the workshop's cost centre
			invs, err := sd.st.ListInvoices(ctx, invoice.Filter{})
			must(t, err)
			toPayer := 0
			for _, d := range invs {
				if d.PayerID != 0 {
					toPayer++
				}
			}
			if toPayer != 2 {
				t.Errorf("%d documents to payers, want the courtesy car's and the past replacement's", toPayer)
			}
			// the payers' open items: the replacement's invoice overdue,
			// partly paid, with today's Zahlungserinnerung
			items, err := sd.svc.contracts.PayerOpenItems(ctx, time.UTC, 0)
			must(t, err)
			overdueOpen := false
			for _, g := range items.Payers {
				for _, it := range g.Items {
					overdueOpen = overdueOpen || it.DaysOverdue > 0 && it.Settled() > 0
				}
			}
			run, err := sd.svc.contracts.DunningOverview(ctx, time.UTC)
			must(t, err)
			if !overdueOpen || len(run.Notices) != 1 || run.Notices[0].Level != contract.LevelReminder {
				t.Errorf("payer open items %+v, notices %+v; want an overdue partly paid invoice and one Zahlungserinnerung", items, run.Notices)
			}

			// the insurer's rental out today has its assignment of claims signed
			var signed int
			must(t, sd.st.DB().QueryRowContext(ctx, `SELECT count(*) FROM cover_assignments WHERE length(signer_name) > 0`).Scan(&signed))
			if signed != 1 {
				t.Errorf("%d signed assignments of claims, want the insurer's rental's", signed)
			}

			// a past fine case on a returned contract
			fines, err := sd.st.ListFines(ctx, contract.FineFilter{})
			must(t, err)
			if len(fines) != 1 || fines[0].Status != contract.FineAnswered || fines[0].Reference == "" {
				t.Errorf("demo fines: %+v, want one answered case", fines)
			} else if c, err := sd.st.Contract(ctx, fines[0].ContractID); err != nil || c.EndedAt == nil ||
				fines[0].OffenceAt.Before(c.Start) || !fines[0].OffenceAt.Before(*c.EndedAt) {
				t.Errorf("demo fine %+v on contract %+v (%v): want a returned contract's rental", fines[0], c, err)
			}

			// a red plate with a past test drive in its trip log
			plates, err := sd.st.ListDealerPlates(ctx)
			must(t, err)
			if len(plates) != 1 {
				t.Fatalf("demo plates: %+v, want one", plates)
			}
			trips, err := sd.st.Trips(ctx, contract.TripFilter{PlateID: plates[0].ID, From: time.Now().AddDate(0, 0, -10), To: time.Now()})
			must(t, err)
			if len(trips) != 1 || trips[0].Kind != booking.KindTestDrive || trips[0].End == nil || trips[0].KMEnd == nil ||
				*trips[0].KMEnd <= trips[0].KMStart || trips[0].VIN == "" || trips[0].DriverName == "" {
				t.Errorf("demo trips: %+v, want one past test drive", trips)
			} else if c, err := sd.st.Contract(ctx, trips[0].ContractID); err != nil || c.Status != contract.StatusBilled {
				t.Errorf("demo test drive: %+v %v, want billed (its fee paid)", c.Status, err)
			} else if docs, err := sd.st.ListInvoices(ctx, invoice.Filter{ReservationID: c.ReservationID}); err != nil || len(docs) != 1 ||
				docs[0].Gross != 1500 {
				t.Errorf("demo test drive's invoices: %+v %v, want its fee of 15,00 €", docs, err)
			} else if rs, err := sd.st.Receipts(ctx, c.ID); err != nil || contract.NetReceipts(rs) != 1500 {
				t.Errorf("demo test drive's receipts: %+v %v, want its fee paid in cash", rs, err)
			}

			must(t, sd.svc.seedDemoDay(sd.ctx))
			_, nres2, err := sd.st.ListReservations(ctx, booking.Filter{Limit: 1})
			must(t, err)
			_, ncon2, err := sd.st.ListContracts(ctx, contract.Filter{Limit: 1})
			must(t, err)
			if nres2 != nres || ncon2 != ncon {
				t.Errorf("second seeding: %d bookings, %d contracts; want %d, %d", nres2, ncon2, nres, ncon)
			}
		})
	}
}
