package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// grant is where code takes system rights: the package below the module and
// the function ("customer.(*Retention).RunOnce"), with how many times it
// does so there.
type grant struct {
	where string
	n     int
}

// systemGrants finds every place in non-test code that builds a system actor:
// a call of identity.System or identity.SystemFor, or a use of
// identity.ActorSystem, outside the identity package's own definitions.
func systemGrants(t *testing.T) map[string]int {
	t.Helper()
	top := root(t)
	out := map[string]int{}
	fset := token.NewFileSet()
	for _, path := range goFiles(t) {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(top, filepath.Dir(path))
		for where, n := range grantsIn(f, filepath.ToSlash(rel)) {
			out[where] += n
		}
	}
	return out
}

// grantsIn counts the system-actor grants per function of one file of
// package rel.
func grantsIn(f *ast.File, rel string) map[string]int {
	out := map[string]int{}
	inIdentity := rel == "identity"
	idName := "" // the local name of the identity package
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if p == module+"/identity" {
			idName = "identity"
			if imp.Name != nil {
				idName = imp.Name.Name
			}
		}
	}
	if idName == "" && !inIdentity {
		return out
	}
	isGrant := func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == idName {
				return x.Sel.Name == "System" || x.Sel.Name == "SystemFor" || x.Sel.Name == "ActorSystem"
			}
		case *ast.Ident:
			// inside package identity, unqualified uses outside the definitions
			return inIdentity && (x.Name == "System" || x.Name == "SystemFor" || x.Name == "ActorSystem")
		}
		return false
	}
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok {
			ast.Inspect(decl, func(n ast.Node) bool {
				if isGrant(n) && !inIdentity {
					out[rel+".(package level)"]++
				}
				return true
			})
			continue
		}
		name := funcName(fd)
		if inIdentity && definesActors(name) {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if isGrant(n) {
				out[rel+"."+name]++
				if _, ok := n.(*ast.SelectorExpr); ok {
					return false // do not count its Sel identifier again
				}
			}
			return true
		})
	}
	return out
}

// definesActors names the functions of package identity that define system
// actors and what they may do; they are the grants' definitions, not grants.
func definesActors(name string) bool {
	switch name {
	case "System", "SystemFor", "(Actor).AllTenants", "(Actor).AllStations", "(Actor).IsAdmin":
		return true
	}
	return false
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	var recv string
	switch x := fd.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			recv = "*" + id.Name
		} else if ix, ok := x.X.(*ast.IndexExpr); ok {
			recv = "*" + fmt.Sprint(ix.X)
		}
	case *ast.Ident:
		recv = x.Name
	case *ast.IndexExpr:
		recv = fmt.Sprint(x.X)
	}
	return "(" + recv + ")." + fd.Name.Name
}

// systemGrantsAllowed lists every place that takes system rights, how many
// times, and why it may. A system actor passes every tenant or station check
// the store makes; each new one must be added here deliberately, with the
// reason, and reviewed as such.
var systemGrantsAllowed = map[string]struct {
	n   int
	why string
}{
	// background jobs: they act for no person, across tenants or for the
	// tenant of each row they work on
	"booking.(*Service).FinishPending":              {1, "settles each pending booking as its tenant's system: the job runs as the all-tenants system and each booking needs its tenant's documents and e-mails"},
	"booking.(*Service).RetryRefunds":               {1, "resends a failed refund as the booking's tenant's system (job across tenants)"},
	"booking.(*Service).ReverseStrayMoney":          {1, "voids or refunds money that reached a failed booking late, as the booking's tenant's system (job across tenants)"},
	"booking.(*Service).FinishCancellations":        {1, "finishes a cancellation a stopped process left, as the booking's tenant's system (job across tenants)"},
	"payment.(*Service).Reconcile":                  {1, "inquires an unknown payment as its tenant's system (reconciler across tenants)"},
	"payment.(*CardEraser).deleteOne":               {1, "records a card deletion for the card's tenant when the pass runs across tenants"},
	"customer.(*Retention).RunOnce":                 {2, "the retention job lists due purges across tenants (System) and purges each customer as its tenant's system"},
	"customer.(*Retention).purgePhotos":             {1, "deletes expired photos per tenant as that tenant's system (retention job)"},
	"cmd/mietwerk.(*services).run":                  {1, "the background workers of a process act for all tenants"},
	"contract.(*Service).Run":                       {1, "resumes half-done billing per tenant as that tenant's system"},
	"job.(*Runner).Item":                            {1, "records a failed item in its tenant's job_attention as the system, whoever runs the item (a job, or staff whose request runs one, e.g. card deletion after an erasure)"},
	"job.(*Runner).Clear":                           {1, "deletes an item's job_attention record as the system, whoever succeeded with the item"},
	"adapter/store.(*Store).RecordJobFailure":       {1, "builds no actor: checks that the caller is the system (only jobs write their failure records)"},
	"adapter/store.(*Store).ClearJobFailure":        {1, "builds no actor: checks that the caller is the system (only jobs clear their failure records)"},
	"adapter/telecash.(*Gateways).gateway":          {1, "reads a tenant's gateway settings (live or test mode) for the payment that needs them, whatever the caller's role (a station user's booking, a test key, the reconciler)"},
	"cmd/mietwerk.(*services).startSimulatorIfUsed": {1, "at start-up, looks across tenants for one that pays through the built-in simulator"},
	"webhook.(*Dispatcher).RenderNow":               {1, "renders the events a commit queued as the all-tenants system, whoever made the change (the store's hook after the commit)"},
	"webhook.(*Dispatcher).RenderOnce":              {1, "renders each queued event as its tenant's system: the dispatcher works across tenants and the event's data is the object as the API shows it"},
	"webhook.(*Dispatcher).disable":                 {1, "builds the notice to a tenant's administrators as that tenant's system (dispatcher across tenants)"},
	"cmd/mietwerk.(*services).prepareSecrets":       {1, "at start-up, checks and encrypts every tenant's stored gateway secret (secrets.StartUp)"},

	// contract rules that look beyond what the acting user may see
	"contract.(*Service).load":         {1, "reads both stations of a one-way rental: the return station's user may not see the pickup station"},
	"contract.(*Service).stationLoc":   {1, "reads the pickup station's time zone for a user of the return station"},
	"contract.(*Service).compute":      {1, "bills every damage of the rental, also those entered by another station's staff"},
	"contract.(*Service).checkDrift":   {1, "compares the damages billing computes with (every damage of the rental, any station) with the bill as billed"},
	"contract.(*Service).handoverCar":  {1, "reads the car handed over (tank, odometer, HU), which may belong to another station's fleet"},
	"contract.(*Service).sendProtocol": {1, "prints every damage of the vehicle on the protocol, whoever entered it"},

	// the operator's command line and the demo: no signed-in person
	"cmd/mietwerk.(*adminCmd).open": {2, "user and apikey commands: find the tenant by slug (System), then act as its system"},
	"cmd/mietwerk.openRoot":         {1, "tenant commands act across tenants"},
	"cmd/mietwerk.secretsRotate":    {1, "secrets rotate re-encrypts every tenant's stored gateway secret"},
	"cmd/mietwerk/demo.Seed":        {2, "seeding creates the demo tenant (System), then its data as its system"},
	"cmd/mietwerk/demo.SeedDay":     {2, "seeding the demo's day finds the demo tenant by slug (System), then books and hands over as its system"},

	// the request-bound escalations
	"web.(*app).saveUserLanguage": {1, "a station user may change its own language, which UpdateUser allows only admins; limited to the user's own record"},
	"web.(*pageApp).load":         {1, "the customer's booking page has no signed-in actor: the unguessable token of the one booking it found is the authority, and the page acts for that booking only (named customer:<number> in the audit)"},
}

// TestSystemGrantsListed: the places that build a system actor are exactly
// those listed in systemGrantsAllowed, each as often as listed.
func TestSystemGrantsListed(t *testing.T) {
	got := systemGrants(t)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, ok := systemGrantsAllowed[k]
		switch {
		case !ok:
			t.Errorf("%s takes system rights %d time(s) and is not in systemGrantsAllowed: "+
				"use the caller's actor, or add it there with the reason it must act as the system", k, got[k])
		case want.n != got[k]:
			t.Errorf("%s takes system rights %d time(s), systemGrantsAllowed says %d: update the entry deliberately", k, got[k], want.n)
		}
	}
	for k := range systemGrantsAllowed {
		if got[k] == 0 {
			t.Errorf("%s is listed in systemGrantsAllowed but no longer takes system rights: delete the entry", k)
		}
	}
}

// TestSystemGrantsFound: the finder sees calls under any import name,
// inside closures, and hand-built system actors.
func TestSystemGrantsFound(t *testing.T) {
	src := `package x

import (
	"context"
	id "mietwerk.dev/mietwerk/identity"
)

var background = id.WithActor(context.Background(), id.System())

func (j *job) run(ctx context.Context) {
	go func() { _ = id.WithActor(ctx, id.SystemFor(1)) }()
	_ = id.Actor{Kind: id.ActorSystem, TenantID: 2}
}

func clean(ctx context.Context) { _, _ = id.ActorFrom(ctx) }
`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := grantsIn(f, "x")
	want := map[string]int{"x.(package level)": 1, "x.(*job).run": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("grants = %v, want %v", got, want)
	}
}
