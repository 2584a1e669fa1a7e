package mailtmpl

import (
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"time"

	"mietwerk.dev/mietwerk/document"
)

// reservationJSONLD returns the schema.org RentalCarReservation markup
// (https://schema.org/RentalCarReservation) as a script element for the
// HTML head, so mail clients can show the booking.
func reservationJSONLD(env Envelope, d Reservation) (htmltemplate.HTML, error) {
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
	car := d.Category
	if d.Vehicle != "" {
		car = d.Vehicle
	}
	ld := map[string]any{
		"@context":          "https://schema.org",
		"@type":             "RentalCarReservation",
		"reservationNumber": d.Number,
		"reservationStatus": "https://schema.org/ReservationConfirmed",
		"underName":         map[string]any{"@type": "Person", "name": d.CustomerName, "email": env.To.Email},
		"reservationFor": map[string]any{
			"@type":         "Car",
			"name":          car,
			"rentalCompany": map[string]any{"@type": "Organization", "name": env.Branding.LegalName},
		},
		"pickupLocation":  place,
		"pickupTime":      document.In(d.Pickup, env.Location).Format(time.RFC3339),
		"dropoffLocation": place,
		"dropoffTime":     document.In(d.Return, env.Location).Format(time.RFC3339),
		"bookingTime":     document.In(d.BookedAt, env.Location).Format(time.RFC3339),
	}
	b, err := json.MarshalIndent(ld, "", "  ") // escapes <, >, & so it cannot end the script
	if err != nil {
		return "", fmt.Errorf("mailtmpl: json-ld: %w", err)
	}
	return htmltemplate.HTML(`<script type="application/ld+json">` + "\n" + string(b) + "\n</script>"), nil
}
