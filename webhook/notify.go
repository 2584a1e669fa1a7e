package webhook

import (
	"context"
	"fmt"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/tenancy"
)

// AdminMailer builds the notice to one administrator that an endpoint was
// disabled (implemented over the e-mail templates outside the domain).
// last is the attempt that gave up.
type AdminMailer interface {
	EndpointDisabled(tn tenancy.Tenant, to identity.User, ep Endpoint, reason DisabledReason, last Attempt) (mail.Message, error)
}

// Users lists a tenant's logins (identity.Store has it).
type Users interface {
	ListUsers(ctx context.Context) ([]identity.User, error)
}

// Tenants reads the acting tenant (tenancy.Store has it).
type Tenants interface {
	Tenant(ctx context.Context) (tenancy.Tenant, error)
}

// AdminNotifier tells every administrator of the tenant (not disabled
// logins) by e-mail: the Notifier of the Dispatcher.
type AdminNotifier struct {
	Users   Users
	Tenants Tenants
	Mailer  AdminMailer
}

var _ Notifier = AdminNotifier{}

// EndpointDisabled builds one message per administrator, in their
// language. No administrator: no message (the notice in the admin web
// remains).
func (n AdminNotifier) EndpointDisabled(ctx context.Context, ep Endpoint, reason DisabledReason, last Attempt) ([]mail.Queued, error) {
	tn, err := n.Tenants.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	users, err := n.Users.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []mail.Queued
	for _, u := range users {
		if u.Role != identity.RoleAdmin || u.Disabled() {
			continue
		}
		m, err := n.Mailer.EndpointDisabled(tn, u, ep, reason, last)
		if err != nil {
			return nil, fmt.Errorf("notice to %d: %w", u.ID, err)
		}
		out = append(out, mail.Queued{Message: m})
	}
	return out, nil
}
