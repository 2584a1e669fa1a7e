package fleet

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Damage views: the sides of the car diagram a damage can be marked on.
var DamageViews = []string{"top", "left", "right", "front", "rear"}

// Damage severities, mildest first.
var DamageSeverities = []string{"minor", "medium", "major"}

// DamageKinds are the kinds of damage staff choose from.
var DamageKinds = []string{"scratch", "dent", "crack", "chip", "rust", "missing", "other"}

// MaxChargeCents is the most one damage can be charged (100.000,00 €):
// more is no card charge but a case for the insurer, and a charge beyond
// what the gateway takes would only fail after the return was stored.
const MaxChargeCents = 10_000_000

// Damage is one damage of a vehicle, placed on the car diagram at (X, Y)
// percent of the view's width and height.
type Damage struct {
	ID          int64
	TenantID    int64
	VehicleID   int64
	View        string
	X, Y        float64
	Kind        string
	Severity    string
	Description string
	ContractID  int64 // 0 = found outside a contract
	ReportedAt  time.Time
	ReportedBy  int64
	ChargeCents int64
	RepairedAt  *time.Time
	RepairNote  string
	Photos      []Photo // filled by ListDamages
}

// Open reports whether the damage is not repaired yet.
func (d Damage) Open() bool { return d.RepairedAt == nil }

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Normalize trims the texts.
func (d *Damage) Normalize() {
	d.Kind = strings.TrimSpace(d.Kind)
	d.Description = strings.TrimSpace(d.Description)
}

// Validate returns a KindInvalid error naming every invalid field.
func (d Damage) Validate() error {
	var f errs.Fields
	if !oneOf(d.View, DamageViews) {
		f.Add("view", "damage.view_choose")
	}
	if d.X < 0 || d.X > 100 || d.Y < 0 || d.Y > 100 {
		f.Add("position", "damage.position_required")
	}
	if !oneOf(d.Kind, DamageKinds) {
		f.Add("kind", "damage.kind_choose")
	}
	if !oneOf(d.Severity, DamageSeverities) {
		f.Add("severity", "damage.severity_choose")
	}
	f.Text("description", d.Description, 2000)
	if d.ChargeCents < 0 {
		f.Add("charge_cents", "field.not_negative")
	} else if d.ChargeCents > MaxChargeCents {
		f.Add("charge_cents", "damage.charge_max", locale.Params{"max": locale.Money(MaxChargeCents)})
	}
	return f.Err()
}

// Photo is the metadata of one damage photo; the bytes are read through
// PhotoService.Photo.
type Photo struct {
	ID          int64
	TenantID    int64
	DamageID    int64
	ContentType string
	SizeBytes   int64
	SHA256      string
	Storage     string // "db", "dir" or "s3"
	StorageKey  string // key in the PhotoStore when Storage is not "db"
	CreatedAt   time.Time
}

// PhotoData is a photo as it is saved: metadata plus, for Storage "db", the
// bytes of the image and of its thumbnail.
type PhotoData struct {
	Photo
	Data  []byte
	Thumb []byte
}

// Condition is one recorded state of a vehicle (odometer, fuel, cleanliness).
type Condition struct {
	ID          int64
	VehicleID   int64
	RecordedAt  time.Time
	OdometerKM  int64
	FuelEighths int
	Cleanliness string
	Source      string // "manual", "handover" or "return"
	ContractID  int64
	UserID      int64
}

// DamageStore keeps damages, their photos and the condition history. Every
// method is scoped by the home station of the damage's vehicle: outside the
// actor's stations or tenant everything is errs.KindNotFound.
type DamageStore interface {
	// CreateDamage validates and saves d for its vehicle, setting ID,
	// ReportedAt and ReportedBy. Errors: KindInvalid, KindNotFound.
	CreateDamage(ctx context.Context, d *Damage) error
	// Damage returns one damage with its photos. Errors: KindNotFound.
	Damage(ctx context.Context, id int64) (Damage, error)
	// ListDamages returns the damages of a vehicle with their photos, newest
	// first; only the open ones when openOnly. Errors: KindNotFound.
	ListDamages(ctx context.Context, vehicleID int64, openOnly bool) ([]Damage, error)
	// MarkRepaired records the repair date of an open damage. Errors:
	// KindNotFound, KindConflict when it is repaired already, KindInvalid
	// for a date before the report or in the future.
	MarkRepaired(ctx context.Context, id int64, at time.Time, note string) error

	// AddPhoto saves photo p of damage p.DamageID. Errors: KindNotFound.
	AddPhoto(ctx context.Context, p *PhotoData) error
	// PhotoData returns a photo of damage damageID with the stored bytes of
	// the image (thumb false) or of the thumbnail. Errors: KindNotFound.
	PhotoData(ctx context.Context, damageID, photoID int64, thumb bool) (PhotoData, error)

	// ListConditions returns the condition history of a vehicle, newest
	// first, at most limit rows (0 = 100). Errors: KindNotFound.
	ListConditions(ctx context.Context, vehicleID int64, limit int) ([]Condition, error)
}

// CategoryAdmin changes categories (administrators only).
type CategoryAdmin interface {
	// Category returns one category of the actor's tenant. Errors: KindNotFound.
	Category(ctx context.Context, id int64) (Category, error)
	// UpdateCategory validates and saves c. Errors: KindInvalid (also for a
	// code used by another category), KindNotFound, KindForbidden.
	UpdateCategory(ctx context.Context, c *Category) error
}
