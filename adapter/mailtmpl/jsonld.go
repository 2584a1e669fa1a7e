package mailtmpl

import (
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/locale"
)

// reservationLD is what the schema.org markup of a booking message says.
type reservationLD struct {
	Number, CustomerName, Category, Model string
	Station                               Station
	Pickup, Return, BookedAt, ModifiedAt  time.Time // ModifiedAt, BookedAt: optional
	Cancelled                             bool
}

// reservationJSONLD returns the schema.org RentalCarReservation markup
// (https://schema.org/RentalCarReservation) as a script element for the
// HTML head, so mail clients can show the booking, in the form Gmail's
// reservation markup documents: reservationFor is a RentalCar (Gmail's type;
// schema.org's Car has no rentalCompany) with its name, model and
// rentalCompany; the dealer is also the reservation's provider (schema.org);
// pickup and dropoff are Places with a PostalAddress; a changed booking has
// modifiedTime, a cancelled one reservationStatus ReservationCancelled.
// Gmail's addressRegion is left out: stations have no region.
func reservationJSONLD(env Envelope, d reservationLD) (htmltemplate.HTML, error) {
	place := map[string]any{
		"@type": "Place",
		"name":  d.Station.Name,
		"address": map[string]any{
			"@type":           "PostalAddress",
			"streetAddress":   d.Station.Address.Street,
			"postalCode":      d.Station.Address.PostalCode,
			"addressLocality": d.Station.Address.City,
			"addressCountry":  d.Station.Address.Country,
		},
	}
	if d.Station.Phone != "" {
		place["telephone"] = d.Station.Phone
	}
	company := map[string]any{"@type": "Organization", "name": env.Branding.LegalName}
	if w := env.Branding.Website; w != "" {
		if !strings.HasPrefix(w, "https://") && !strings.HasPrefix(w, "http://") {
			w = "https://" + w
		}
		company["url"] = w
	}
	car := map[string]any{"@type": "RentalCar", "name": d.Category, "rentalCompany": company}
	if d.Model != "" {
		car["model"] = d.Model
	}
	status := "https://schema.org/ReservationConfirmed"
	if d.Cancelled {
		status = "https://schema.org/ReservationCancelled"
	}
	at := func(t time.Time) string { return locale.In(t, env.Location).Format(time.RFC3339) }
	ld := map[string]any{
		"@context":          "https://schema.org",
		"@type":             "RentalCarReservation",
		"reservationNumber": d.Number,
		"reservationStatus": status,
		"underName":         map[string]any{"@type": "Person", "name": d.CustomerName, "email": env.To.Email},
		"reservationFor":    car,
		"provider":          company,
		"pickupLocation":    place,
		"pickupTime":        at(d.Pickup),
		"dropoffLocation":   place,
		"dropoffTime":       at(d.Return),
	}
	if !d.BookedAt.IsZero() {
		ld["bookingTime"] = at(d.BookedAt)
	}
	if !d.ModifiedAt.IsZero() {
		ld["modifiedTime"] = at(d.ModifiedAt)
	}
	b, err := json.MarshalIndent(ld, "", "  ") // escapes <, >, & so it cannot end the script
	if err != nil {
		return "", fmt.Errorf("mailtmpl: json-ld: %w", err)
	}
	return htmltemplate.HTML(`<script type="application/ld+json">` + "\n" + string(b) + "\n</script>"), nil
}

// ld is the markup data of a reservation message.
func (d Reservation) ld() reservationLD {
	name := d.Category
	if d.Vehicle != "" {
		name = d.Vehicle
	}
	return reservationLD{Number: d.Number, CustomerName: d.CustomerName, Category: name, Model: d.Model, Station: d.Station,
		Pickup: d.Pickup, Return: d.Return, BookedAt: d.BookedAt, ModifiedAt: d.ChangedAt}
}
